'use strict';
// Object mode: highWaterMark counts objects (default 16), write()/push() return false at the
// mark, and lengths count chunks.
const { Readable, Writable } = require('stream');

const r = new Readable({ objectMode: true, read() {} });
console.log('default hwm', r.readableHighWaterMark, r.readableObjectMode);
for (let i = 1; i <= 17; i++) {
  const ok = r.push({ n: i });
  if (!ok || i === 1) console.log('push', i, ok, r.readableLength);
}
const held = [];
const w = new Writable({
  objectMode: true,
  highWaterMark: 3,
  write(o, e, cb) { held.push(cb); },
});
for (let i = 1; i <= 4; i++) console.log('write', i, w.write({ n: i }), w.writableLength);
w.on('drain', () => console.log('drain', w.writableLength));
const seen = [];
r.on('data', (o) => {
  seen.push(o.n);
  if (seen.length === 17) console.log('read all', seen.join(','));
});
function step() {
  if (held.length) { held.shift()(); setImmediate(step); }
}
setImmediate(step);
