// 'beforeExit' fires each time the loop empties; scheduling a timer from it revives the loop,
// a nextTick alone does not. The code passed is process.exitCode; 'exit' follows.
'use strict';
const log = (s) => console.log(s);

let n = 0;
process.on('beforeExit', (code) => {
  ++n;
  log(`beforeExit #${n} code ${code}`);
  process.nextTick(() => log(`  tick from beforeExit #${n}`));
  if (n <= 2) {
    setTimeout(() => log(`  timer scheduled by beforeExit #${n}`), 5);
  } else {
    process.exitCode = 2;
  }
});
process.on('exit', (code) => log(`exit ${code}`));
setTimeout(() => log('main timer'), 1);
log('main done');
