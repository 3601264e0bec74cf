'use strict';
// pipe() with a slow consumer: the source pauses when write() returns false and resumes on
// 'drain'; the source's buffer never grows past its high water mark; dst is ended at the end.
const { Readable, Writable } = require('stream');

let produced = 0;
const src = new Readable({
  highWaterMark: 6,
  read() {
    produced++;
    console.log('_read', produced, 'srcLen', src.readableLength);
    src.push(produced <= 6 ? 'ab' + produced : null);
  },
});
const pending = [];
const dst = new Writable({
  highWaterMark: 5,
  write(chunk, enc, cb) {
    console.log('_write', chunk.toString(), 'dstLen', dst.writableLength);
    pending.push(cb);
  },
});
src.on('pause', () => console.log('src pause', src.readableLength));
src.on('resume', () => console.log('src resume', src.readableLength));
src.on('end', () => console.log('src end'));
src.on('close', () => console.log('src close'));
dst.on('pipe', () => console.log('dst pipe'));
dst.on('unpipe', () => console.log('dst unpipe'));
dst.on('drain', () => console.log('dst drain'));
dst.on('finish', () => console.log('dst finish'));
dst.on('close', () => console.log('dst close'));

console.log('pipe returns dst', src.pipe(dst) === dst);

function step() {
  if (pending.length > 0) {
    console.log('complete', 'srcLen', src.readableLength, 'dstLen', dst.writableLength);
    pending.shift()();
  }
  if (!dst.writableFinished) setImmediate(step);
}
setImmediate(step);
