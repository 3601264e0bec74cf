// Main-script ordering: synchronous code, then every nextTick, then every microtask (promise
// reactions and queueMicrotask in queue order), then timers.
'use strict';
const log = (s) => console.log(s);

log('sync 1');
setTimeout(() => log('timeout 0'), 0);
Promise.resolve().then(() => log('promise 1'));
process.nextTick(() => log('tick 1'));
queueMicrotask(() => log('microtask 1'));
process.nextTick(() => log('tick 2'));
Promise.resolve().then(() => log('promise 2'));
log('sync 2');
