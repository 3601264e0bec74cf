// process.exit(5) inside a timer: 'exit' listeners run with 5, and nothing else after it: not
// the rest of the callback, no queued nextTick, microtask, immediate or other timer.
'use strict';
const log = (s) => console.log(s);

process.on('exit', (code) => {
  log(`exit ${code}`);
  process.nextTick(() => log('tick from exit listener (must not run)'));
});
setTimeout(() => {
  log('timer 1');
  process.nextTick(() => log('tick (must not run)'));
  Promise.resolve().then(() => log('microtask (must not run)'));
  setImmediate(() => log('immediate (must not run)'));
  process.exit(5);
  log('after exit (must not run)');
}, 1);
setTimeout(() => log('timer 2 (must not run)'), 1);
setTimeout(() => log('timer 3 (must not run)'), 50);
