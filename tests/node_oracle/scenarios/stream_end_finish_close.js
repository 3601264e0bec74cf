'use strict';
// end/finish/close order: a Readable ('end' then 'close'), a Writable ('finish' then 'close'),
// a half-open Duplex (close only after both sides are done) and one with allowHalfOpen false
// (the readable end ends the writable side).
const { Readable, Writable, Duplex } = require('stream');
const steps = (...fns) => {
  let i = 0;
  const next = () => { fns[i++](); if (i < fns.length) setTimeout(next, 1); };
  setTimeout(next, 1);
};

function watch(name, s) {
  for (const ev of ['end', 'finish', 'close']) s.on(ev, () => console.log(name, ev));
}

steps(
  () => {
    const r = new Readable({ read() {} });
    watch('readable', r);
    r.resume();
    r.push('x');
    r.push(null);
    console.log('readable pushed');
  },
  () => {
    const w = new Writable({ write(c, e, cb) { cb(); } });
    watch('writable', w);
    w.write('x');
    w.end();
    console.log('writable ended');
  },
  () => {
    const d = new Duplex({ read() {}, write(c, e, cb) { cb(); } });
    watch('duplex', d);
    d.resume();
    d.push(null);
    setImmediate(() => {
      console.log('duplex ending writable', d.readableEnded, d.destroyed);
      d.end();
    });
  },
  () => {
    const d = new Duplex({ allowHalfOpen: false, read() {}, write(c, e, cb) { cb(); } });
    watch('halfclosed', d);
    console.log('allowHalfOpen', d.allowHalfOpen);
    d.resume();
    d.push(null);
  },
);
