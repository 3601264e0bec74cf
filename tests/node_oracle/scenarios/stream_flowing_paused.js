'use strict';
// Readable modes: readableFlowing is null until a consumer appears, attaching 'data' starts
// flowing (in a tick), pause() buffers pushed data, resume() flushes it, and 'end' comes after
// the last chunk is consumed, then 'close'.
const { Readable } = require('stream');

let n = 0;
const r = new Readable({
  highWaterMark: 8,
  read(size) {
    n++;
    console.log('_read', size, r.readableLength);
    if (n <= 4) r.push('c' + n);
  },
});
r.on('pause', () => console.log('pause event', r.readableFlowing));
r.on('resume', () => console.log('resume event', r.readableFlowing));
r.on('end', () => console.log('end', r.readableEnded));
r.on('close', () => console.log('close'));
console.log('flowing0', r.readableFlowing, r.isPaused());
r.on('data', (chunk) => {
  console.log('data', chunk.toString(), r.readableLength);
  if (chunk.toString() === 'c2') {
    r.pause();
    console.log('paused', r.readableFlowing, r.isPaused());
    setImmediate(() => {
      console.log('buffered', r.readableLength);
      r.resume();
      console.log('resumed', r.readableFlowing, r.isPaused());
    });
  }
  if (chunk.toString() === 'c4') r.push(null);
});
console.log('flowing1', r.readableFlowing);
