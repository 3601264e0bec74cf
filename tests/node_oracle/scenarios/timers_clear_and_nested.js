// Within one timers phase: a callback that clears a later timer of the same list stops it; a
// timer created by a callback never runs in the same timers phase, even when it is already due
// (the phase compares against the time it started with), so an immediate queued by the same
// callback runs first. clearTimeout on a fired or empty handle does nothing.
'use strict';
const log = (s) => console.log(s);
const busyWait = (ms) => {
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  while (process.hrtime.bigint() < end);
};

let b = null;
const a = setTimeout(() => {
  log('a clears b');
  clearTimeout(b);
  setTimeout(() => {
    log('nested 0 from a');
    clearTimeout(a);
    log('cleared a after it fired');
  }, 0);
  setImmediate(() => log('immediate from a'));
  busyWait(5);
}, 1);
b = setTimeout(() => log('b (must not run)'), 1);
setTimeout(() => log('c runs'), 1);
clearTimeout(undefined);
busyWait(5);
