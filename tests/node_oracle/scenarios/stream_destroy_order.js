'use strict';
// destroy(err): _destroy runs at once, then 'error' and 'close' in a later tick (error first);
// a pending write's callback fails, later writes fail with ERR_STREAM_DESTROYED, a second
// destroy is ignored; destroy() without an error emits only 'close'.
const { Readable, Writable } = require('stream');
const steps = (...fns) => {
  let i = 0;
  const next = () => { fns[i++](); if (i < fns.length) setTimeout(next, 1); };
  setTimeout(next, 1);
};

steps(
  () => {
    let held = null;
    const w = new Writable({
      highWaterMark: 4,
      write(c, e, cb) { console.log('_write', c.toString()); held = cb; },
      destroy(err, cb) { console.log('_destroy', err.message); cb(err); },
    });
    w.on('error', (e) => console.log('error', e.message, w.destroyed));
    w.on('close', () => console.log('close', w.closed, w.writableLength));
    w.write('ab', (e) => console.log('cb ab', e ? e.message : null));
    w.write('cd', (e) => console.log('cb cd', e ? e.code : null));
    w.destroy(new Error('kaput'));
    console.log('destroyed', w.destroyed, w.closed);
    w.destroy(new Error('again'));
    console.log('write after destroy', w.write('ef', (e) => console.log('cb ef', e.code)));
    process.nextTick(() => console.log('tick'));
    setImmediate(() => { console.log('late completion'); held(); });
  },
  () => {
    const r = new Readable({ read() {} });
    r.on('error', () => console.log('never'));
    r.on('close', () => console.log('readable close', r.destroyed, r.readableLength));
    r.push('zz');
    r.destroy();
    console.log('readable destroyed', r.destroyed);
    console.log('push after destroy', r.push('yy'));
  },
);
