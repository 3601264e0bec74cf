'use strict';
// Oracle for nodexx's http::querystring (compared inside nodexx/http/query_test.cpp, so there
// is no twin): reads a JSON array of strings from the file named by argv[2] and prints, per
// string, one JSON line: Object.entries(querystring.parse(s)) (key order as Object.keys),
// querystring.unescape(s), querystring.unescape(s, true), querystring.escape(s), and
// querystring.stringify(querystring.parse(s)); then parse with maxKeys 2 and with sep ';'
// and eq ':'.
const fs = require('fs');
const qs = require('querystring');
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const s of cases) {
  const parsed = qs.parse(s);
  let escaped;
  try { escaped = qs.escape(s); } catch (e) { escaped = 'THROW ' + e.code; }
  console.log(JSON.stringify([Object.entries(parsed), qs.unescape(s), qs.unescape(s, true),
    escaped, qs.stringify(parsed),
    Object.entries(qs.parse(s, null, null, { maxKeys: 2 })),
    Object.entries(qs.parse(s, ';', ':'))]));
}
