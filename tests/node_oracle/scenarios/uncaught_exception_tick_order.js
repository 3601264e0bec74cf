// Node quirk: after an 'uncaughtException' listener handled an error thrown by a timer (or an
// immediate), the next callback of the same timer list (or immediate queue) runs before the
// nextTicks and microtasks queued by the throwing callback and by the listener. (Node re-enters
// processTimers/processImmediate without draining the queues first.) A busy wait makes both
// timers due in the same timers phase.
'use strict';
const log = (s) => console.log(s);
const busyWait = (ms) => {
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  while (process.hrtime.bigint() < end);
};

process.on('uncaughtException', (err) => {
  log(`handler: ${err.message}`);
  process.nextTick(() => log(`  tick from handler (${err.message})`));
});

setTimeout(() => {
  log('timer 1 throws');
  process.nextTick(() => log('  tick from timer 1'));
  Promise.resolve().then(() => log('  promise from timer 1'));
  throw new Error('boom 1');
}, 1);
setTimeout(() => {
  log('timer 2');
  setImmediate(() => {
    log('immediate 1 throws');
    process.nextTick(() => log('  tick from immediate 1'));
    throw new Error('boom 2');
  });
  setImmediate(() => log('immediate 2'));
}, 1);
busyWait(5);
