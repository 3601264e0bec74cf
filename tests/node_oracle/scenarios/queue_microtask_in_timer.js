// Inside a setTimeout callback: nextTick, then microtasks (queueMicrotask and promise reactions
// in queue order), then setImmediate (check phase of this turn), then setTimeout(0) (next turn).
'use strict';
const log = (s) => console.log(s);

setTimeout(() => {
  log('timer');
  setTimeout(() => log('timeout 0'), 0);
  setImmediate(() => log('immediate'));
  queueMicrotask(() => log('queueMicrotask'));
  Promise.resolve().then(() => log('promise'));
  process.nextTick(() => log('nextTick'));
  queueMicrotask(() => log('queueMicrotask 2'));
  log('timer end');
}, 1);
