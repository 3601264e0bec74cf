// Timers with the same delay fire in creation order; a 0 ms (or negative) delay means 1 ms, so
// it shares the order of explicit 1 ms timers. (Shorter delays are created first, so that a
// scheduling delay between two statements cannot reorder them.)
'use strict';
const log = (s) => console.log(s);

setTimeout(() => log('1ms a'), 1);
setTimeout(() => log('0ms b'), 0);
setTimeout(() => log('1ms c'), 1);
setTimeout(() => log('negative d'), -5);
setTimeout(() => log('0ms e'), 0);
for (let i = 1; i <= 5; ++i) setTimeout(() => log(`10ms #${i}`), 10);
