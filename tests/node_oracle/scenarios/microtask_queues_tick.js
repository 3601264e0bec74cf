// A microtask that queues a nextTick: the tick runs only after the microtask queue is empty.
// A nextTick queued by a nextTick runs in the same tick drain, before any microtask.
'use strict';
const log = (s) => console.log(s);

process.nextTick(() => {
  log('tick 1');
  process.nextTick(() => {
    log('tick 1.1 (nested)');
    process.nextTick(() => log('tick 1.1.1 (nested twice)'));
  });
  Promise.resolve().then(() => log('promise from tick 1'));
});
process.nextTick(() => log('tick 2'));
Promise.resolve().then(() => {
  log('promise 1');
  process.nextTick(() => {
    log('tick from promise 1');
    Promise.resolve().then(() => log('promise from tick from promise 1'));
  });
  Promise.resolve().then(() => log('promise 1.1'));
});
Promise.resolve().then(() => log('promise 2'));
log('sync end');
