// timeout.refresh() restarts the countdown from now with the original delay: a 50 ms timeout
// refreshed after a 20 ms busy wait now fires after a 50 ms marker created after it (and
// Node moves it to the end of its timer list, so this holds however late the loop runs).
// refresh() on a timeout from inside its own callback (it has fired) arms it again.
'use strict';
const log = (s) => console.log(s);
const busyWait = (ms) => {
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  while (process.hrtime.bigint() < end);
};

const t = setTimeout(() => {
  log('refreshed 50ms timeout fired');
  let fired = 0;
  const again = setTimeout(() => {
    ++fired;
    log(`re-armed timeout run ${fired}`);
    if (fired < 3) again.refresh();
  }, 10);
}, 50);
setTimeout(() => log('50ms marker created after it'), 50);
busyWait(20);
log('refresh after 20ms');
t.refresh();
