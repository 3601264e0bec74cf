'use strict';
// Oracle for nodexx's http::Url and URLSearchParams (compared inside nodexx/http/url_test.cpp,
// so there is no twin): reads a JSON array of [input, base] pairs from the file named by
// argv[2] and prints, per pair, one JSON line with the fields of `new URL(input, base)` in a
// fixed order, or "FAIL <code>" when it throws. base null means no base. Then, for each pair
// that parsed, a line with URLSearchParams entries of its search and their serialisation.
const fs = require('fs');
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const [input, base] of cases) {
  let u;
  try {
    u = base === null ? new URL(input) : new URL(input, base);
  } catch (e) {
    console.log('FAIL ' + e.code);
    continue;
  }
  console.log(JSON.stringify([u.href, u.origin, u.protocol, u.username, u.password, u.host,
    u.hostname, u.port, u.pathname, u.search, u.hash]));
  console.log(JSON.stringify([[...u.searchParams], u.searchParams.toString()]));
}
