// Promise.race settles like the first input to settle, fulfilled or rejected; an already
// settled input wins over pending ones; the losers still settle later, unobserved.
'use strict';
const log = (s) => console.log(s);
// Runs each step in its own timer turn, each from a 1 ms timer started by the previous step.
const steps = (...fns) => {
  let i = 0;
  const next = () => {
    fns[i++]();
    if (i < fns.length) setTimeout(next, 1);
  };
  setTimeout(next, 1);
};
const deferred = () => {
  const d = {};
  d.promise = new Promise((resolve, reject) => Object.assign(d, { resolve, reject }));
  return d;
};
const settle = (d, v) => () => {
  log(`  ${v} settles`);
  d.resolve(v);
};
const fail = (d, msg) => () => {
  log(`  ${msg} rejects`);
  d.reject(new Error(msg));
};

async function main() {
  const slow = deferred();
  const fast = deferred();
  const r1 = Promise.race([slow.promise, fast.promise]);
  steps(settle(fast, 'fast'), settle(slow, 'slow'));
  log(`winner: ${await r1}`);

  const late = deferred();
  const early = deferred();
  const r2 = Promise.race([late.promise, early.promise]);
  steps(fail(early, 'E-early'), settle(late, 'late'));
  try {
    await r2;
  } catch (e) {
    log(`race rejected: ${e.message}`);
  }

  const pending = deferred();
  const r3 = Promise.race([pending.promise, Promise.resolve('settled')]);
  steps(settle(pending, 'pending'));
  log(`winner: ${await r3}`);
}

main().then(() => log('main done'));
