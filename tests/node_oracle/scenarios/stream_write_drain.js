'use strict';
// Writable backpressure: write() returns false once writableLength reaches the high water
// mark, 'drain' fires when the buffer has emptied, then end() → _final → finish → close.
const { Writable } = require('stream');

const pending = [];
const w = new Writable({
  highWaterMark: 10,
  write(chunk, enc, cb) {
    console.log('_write', chunk.toString(), w.writableLength);
    pending.push(cb);
  },
  final(cb) {
    console.log('_final', w.writableLength);
    cb();
  },
});
w.on('drain', () => console.log('drain', w.writableLength, w.writableNeedDrain));
w.on('finish', () => console.log('finish', w.writableFinished));
w.on('close', () => console.log('close', w.destroyed));

console.log('write1', w.write('abcd'), w.writableLength);
console.log('write2', w.write('efgh'), w.writableLength);
console.log('write3', w.write('ij'), w.writableLength, w.writableNeedDrain);
console.log('write4', w.write('k', () => console.log('cb k')), w.writableLength);

function step() {
  if (pending.length > 0) {
    console.log('complete');
    pending.shift()();
    setImmediate(step);
    return;
  }
  if (!w.writableEnded) {
    console.log('write5', w.write('lm'), w.writableLength);
    w.end('n');
    console.log('ended', w.writableEnded, w.writableFinished);
    setImmediate(step);
  }
}
setImmediate(step);
