// Two timers that expire in the same loop turn: the nextTicks and microtasks queued by the
// first run before the second timer's callback. (Shorter delays are created first throughout
// these scenarios, so that a scheduling delay between two statements cannot reorder them.)
'use strict';
const log = (s) => console.log(s);

for (const ms of [0, 5]) {
  setTimeout(() => {
    log(`timer A (${ms})`);
    process.nextTick(() => log(`  tick from A (${ms})`));
    Promise.resolve().then(() => log(`  promise from A (${ms})`));
    queueMicrotask(() => {
      log(`  microtask from A (${ms})`);
      process.nextTick(() => log(`  tick from A's microtask (${ms})`));
    });
  }, ms);
  setTimeout(() => log(`timer B (${ms})`), ms);
}
