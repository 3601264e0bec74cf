// Timers fire by expiry, not by creation, and within one delay in creation order, also when all
// of them are overdue: everything below expires during a 320 ms busy wait, so the first timers
// phase runs them all. (The margins are wide so that a scheduling delay between two statements
// cannot change the expiry order.)
// Then a 30 ms timer created at T and a 15 ms timer created at T+15 or later: the 30 ms one
// fires first (on the same expiry the earlier one wins).
'use strict';
const log = (s) => console.log(s);
const busyWait = (ms) => {
  const end = process.hrtime.bigint() + BigInt(ms) * 1000000n;
  while (process.hrtime.bigint() < end);
};

setTimeout(() => log('A 300ms (created 1st)'), 300);
setTimeout(() => log('B 5ms (created 2nd)'), 5);
setTimeout(() => log('C 300ms (created 3rd)'), 300);
setTimeout(() => log('D 5ms (created 4th)'), 5);
setTimeout(() => log('E 150ms (created 5th)'), 150);
busyWait(320);
log('busy wait done');

setTimeout(() => {
  log('phase 2');
  setTimeout(() => log('X 30ms'), 30);
  busyWait(15);
  setTimeout(() => log('Y 15ms, created 15ms later'), 15);
}, 1);
