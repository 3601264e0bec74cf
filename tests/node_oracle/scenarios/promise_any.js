// Promise.any fulfills with the first fulfillment; if every input rejects it rejects with an
// AggregateError holding the errors in input order (not in rejection order).
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

async function main() {
  const e1 = deferred();
  const ok = deferred();
  const later = deferred();
  const first = Promise.any([e1.promise, ok.promise, later.promise]);
  steps(() => e1.reject(new Error('E1')), () => ok.resolve('ok'), () => later.resolve('later'));
  log(`any: ${await first}`);

  const a = deferred();
  const b = deferred();
  const second = Promise.any([a.promise, b.promise, Promise.reject(new Error('E-c'))]);
  steps(() => b.reject(new Error('E-b')), () => a.reject(new Error('E-a')));
  try {
    await second;
  } catch (e) {
    log(`${e.name}: ${e.message}`);
    log(`errors.length ${e.errors.length}`);
    for (const x of e.errors) log(`  ${x.message}`);
  }
  try {
    await Promise.any([]);
  } catch (e) {
    log(`empty: ${e.name} ${e.errors.length}`);
  }
}

main().then(() => log('main done'));
