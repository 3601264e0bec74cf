// A rejection that gets a handler before the queues drain is not unhandled: a handler added in
// a nextTick, in a later microtask, or in a nextTick queued by a microtask, all count.
'use strict';
const log = (s) => console.log(s);

process.on('unhandledRejection', (e) => log(`unhandledRejection (must not happen): ${e.message}`));
process.on('exit', (code) => log(`exit ${code}`));

const p1 = Promise.reject(new Error('handled in a nextTick'));
process.nextTick(() => p1.catch((e) => log(`caught: ${e.message}`)));

const p2 = Promise.reject(new Error('handled two microtasks later'));
Promise.resolve().then(() => {}).then(() => p2.catch((e) => log(`caught: ${e.message}`)));

Promise.resolve().then(() => {
  const p3 = Promise.reject(new Error('rejected in a microtask, handled in its nextTick'));
  process.nextTick(() => p3.catch((e) => log(`caught: ${e.message}`)));
});

setTimeout(() => log('timer runs'), 1);
