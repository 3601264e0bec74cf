'use strict';
// Transform: _transform pushes per chunk, _flush pushes the tail after end(); the order of
// prefinish, finish, data, end and close.
const { Transform } = require('stream');

const t = new Transform({
  transform(chunk, enc, cb) {
    console.log('_transform', chunk.toString());
    this.push(chunk.toString().toUpperCase());
    cb();
  },
  flush(cb) {
    console.log('_flush');
    this.push('!');
    cb();
  },
});
for (const ev of ['prefinish', 'finish', 'end', 'close']) {
  t.on(ev, () => console.log(ev, t.readableLength, t.writableLength));
}
t.on('data', (d) => console.log('data', d.toString()));
console.log('write a', t.write('a'));
console.log('write b', t.write('b'));
t.end('c');
console.log('sync end');
process.nextTick(() => console.log('tick'));
Promise.resolve().then(() => console.log('microtask'));
