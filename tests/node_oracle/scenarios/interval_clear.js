// setInterval repeats until cleared; clearInterval inside its own callback stops it at once;
// clearing it again is harmless. A nextTick queued by each run comes before the next run.
'use strict';
const log = (s) => console.log(s);

let n = 0;
const iv = setInterval(() => {
  ++n;
  log(`interval run ${n}`);
  process.nextTick(() => log(`  tick after run ${n}`));
  if (n === 3) {
    clearInterval(iv);
    log('  cleared inside its own callback');
    clearInterval(iv);
    setTimeout(() => log(`after 30ms: runs = ${n}`), 30);
  }
}, 5);

let m = 0;
const other = setInterval(() => {
  ++m;
  log(`other run ${m}`);
}, 1000);
clearInterval(other);
log('other cleared before its first run');
