// Immediates queued during the check phase run on the next loop turn, after that turn's timers.
// Immediate 1 busy-waits 5 ms after scheduling setTimeout(0), so the timer has surely expired
// when the next turn's timers phase runs: it fires before immediate 3.
'use strict';
const log = (s) => console.log(s);
const busyWait = (ms) => {
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  while (process.hrtime.bigint() < end);
};

setImmediate(() => {
  log('immediate 1');
  setImmediate(() => {
    log('immediate 3 (queued in check phase)');
    setImmediate(() => log('immediate 4 (queued in check phase)'));
  });
  setTimeout(() => log('timeout 0 (from immediate 1)'), 0);
  process.nextTick(() => log('tick from immediate 1'));
  busyWait(5);
});
setImmediate(() => {
  log('immediate 2');
  Promise.resolve().then(() => log('promise from immediate 2'));
});
