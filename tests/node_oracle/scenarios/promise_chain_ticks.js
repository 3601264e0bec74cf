// Tick counts of promise chaining, against a .then() ticker: a rejection passes through
// .then(f) and a fulfillment through .catch(g) in one tick each; onRejected recovers;
// .finally(f) settles its result three ticks after the source even when f returns no promise
// (it chains a promise internally), passing the value or the rejection through.
'use strict';
const log = (s) => console.log(s);

Promise.resolve('v').finally(() => log('finally ran')).then((v) => log(`after finally: ${v}`));
Promise.reject(new Error('e'))
  .finally(() => log('finally (rejected) ran'))
  .catch((e) => log(`after finally: caught ${e.message}`));
Promise.resolve('w').catch(() => 'not called').then((v) => log(`after catch passthrough: ${v}`));
Promise.reject(new Error('r'))
  .then(() => log('skipped'))
  .catch((e) => log(`caught after then passthrough: ${e.message}`));
Promise.reject(new Error('h'))
  .then(() => 'not called', (e) => `recovered ${e.message}`)
  .then((v) => log(v));
let p = Promise.resolve();
for (let i = 1; i <= 7; ++i) p = p.then(() => log(`tick ${i}`));
