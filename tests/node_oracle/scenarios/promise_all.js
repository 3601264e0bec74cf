// Promise.all: values in input order whatever the settle order; the first rejection wins and
// later ones are handled (no unhandled rejection); the result of already settled inputs
// arrives two ticks later; an empty input fulfills.
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
  log(`  settle ${v}`);
  d.resolve(v);
};
const fail = (d, msg) => () => {
  log(`  reject ${msg}`);
  d.reject(new Error(msg));
};

async function main() {
  const a = deferred();
  const b = deferred();
  const first = Promise.all([a.promise, b.promise, Promise.resolve('c')]);
  steps(settle(b, 'b'), settle(a, 'a'));
  log(`all: ${(await first).join(',')}`);

  const x = deferred();
  const e1 = deferred();
  const e2 = deferred();
  const second = Promise.all([x.promise, e1.promise, e2.promise]);
  steps(fail(e1, 'E1'), fail(e2, 'E2'), settle(x, 'x'));
  try {
    await second;
    log('all fulfilled (wrong)');
  } catch (e) {
    log(`all rejected: ${e.message}`);
  }

  Promise.all([Promise.resolve(1), Promise.resolve(2)]).then((v) => log(`settled inputs: ${v.join(',')}`));
  Promise.resolve().then(() => log('tick 1')).then(() => log('tick 2')).then(() => log('tick 3'));

  const empty = await Promise.all([]);
  log(`empty all: ${empty.length}`);
}

main().then(() => log('main done'));
