// SPDX-License-Identifier: MIT
// Runs one case per input line through the npm packages that nodexx's etag, fresh and
// range-parser ports copy, and prints one JSON result per line. Strings in the input are
// JSON with \u00XX escapes standing for latin-1 bytes (the way Node reads header values).
'use strict';
const fs = require('fs');
const etag = require('etag');
const fresh = require('fresh');
const rangeParser = require('range-parser');

const lines = fs.readFileSync(process.argv[2], 'latin1').split('\n').filter((l) => l.length);
const out = [];
for (const line of lines) {
  const c = JSON.parse(line);
  let r;
  switch (c[0]) {
    case 'etag': {
      const body = Buffer.from(c[1], 'latin1');
      r = c[2] === null ? etag(body) : etag(body, { weak: c[2] });
      break;
    }
    case 'stat': {
      // fs.Stats#mtime is new Date(Math.round(mtimeMs)) in Node 20.
      const stat = { size: c[1], mtime: new Date(Math.round(c[2])), ctime: new Date(0), ino: 1 };
      r = c[3] === null ? etag(stat) : etag(stat, { weak: c[3] });
      break;
    }
    case 'fresh': {
      const req = {};
      if (c[1] !== null) req['if-none-match'] = c[1];
      if (c[2] !== null) req['if-modified-since'] = c[2];
      if (c[3] !== null) req['cache-control'] = c[3];
      const res = {};
      if (c[4] !== null) res.etag = c[4];
      if (c[5] !== null) res['last-modified'] = c[5];
      r = fresh(req, res);
      break;
    }
    case 'date': {
      const t = Date.parse(c[1]);
      r = Number.isNaN(t) ? null : t;
      break;
    }
    case 'utc':
      r = new Date(c[1]).toUTCString();
      break;
    case 'range': {
      const p = rangeParser(c[1], c[2], { combine: c[3] });
      r = typeof p === 'number' ? p : { type: p.type, ranges: p.map((x) => [x.start, x.end]) };
      break;
    }
    default:
      r = 'unknown case ' + c[0];
  }
  out.push(JSON.stringify(r));
}
process.stdout.write(out.join('\n') + '\n');
