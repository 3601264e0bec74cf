'use strict';
// stream/promises pipeline(): an error in a middle stage wins, every stage is destroyed (the
// source first), a later error from another stage is ignored, and the promise rejects once.
const { Readable, Writable, Transform } = require('stream');
const { pipeline } = require('stream/promises');

let n = 0;
const src = new Readable({
  highWaterMark: 2,
  objectMode: true,
  read() {
    n++;
    if (n <= 10) this.push(n);
  },
  destroy(err, cb) {
    console.log('src _destroy', err ? err.message : null);
    cb(err);
  },
});
const double = new Transform({
  objectMode: true,
  transform(chunk, enc, cb) {
    cb(null, chunk * 2);
  },
  destroy(err, cb) {
    console.log('double _destroy', err ? err.message : null);
    cb(err);
  },
});
const failing = new Transform({
  objectMode: true,
  transform(chunk, enc, cb) {
    console.log('failing sees', chunk);
    if (chunk === 6) {
      cb(new Error('boom at 6'));
      return;
    }
    cb(null, chunk);
  },
  destroy(err, cb) {
    console.log('failing _destroy', err ? err.message : null);
    cb(err);
  },
});
const dst = new Writable({
  objectMode: true,
  write(chunk, enc, cb) {
    console.log('dst got', chunk);
    cb();
  },
  destroy(err, cb) {
    console.log('dst _destroy', err ? err.message : null);
    // A second failure while tearing down: ignored by pipeline (the first error wins).
    cb(new Error('dst teardown failed'));
  },
});
for (const [name, s] of [['src', src], ['double', double], ['failing', failing], ['dst', dst]]) {
  s.on('close', () => console.log(name, 'close'));
  s.on('error', (e) => console.log(name, 'error', e.message));
}
pipeline(src, double, failing, dst).then(
  () => console.log('resolved'),
  (e) => console.log('rejected', e.message),
);
