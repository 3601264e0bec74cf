// Each await costs exactly one microtask, also on an already settled promise; an async function
// awaiting another resumes one tick after the inner one returns. A .then() ticker counts ticks.
'use strict';
const log = (s) => console.log(s);

async function inner() {
  log('inner start');
  await null;
  log('inner after await 1');
  await Promise.resolve();
  log('inner after await 2');
  return 7;
}

async function outer() {
  log('outer start');
  const v = await inner();
  log(`outer got ${v}`);
  const w = await leaf();
  log(`outer got ${w} from leaf`);
}

async function leaf() {
  log('leaf (no await)');
  return 8;
}

function ticker(n) {
  let p = Promise.resolve();
  for (let i = 1; i <= n; ++i) p = p.then(() => log(`tick ${i}`));
}

log('script start');
outer().then(() => log('outer settled'));
ticker(8);
log('script end');
