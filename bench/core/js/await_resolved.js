// SPDX-License-Identifier: MIT
// Twin of bench::awaitResolved (../promises.cpp): awaits of an already resolved promise.
'use strict';
const report = require('./report');

const ops = Number(process.argv[2] ?? 1e6);

async function sumAwaits(n) {
  const ready = Promise.resolve(1);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await ready;
  return sum;
}

const t0 = process.hrtime.bigint();
sumAwaits(ops).then((sum) => {
  report('await_resolved', ops, process.hrtime.bigint() - t0);
  if (sum !== ops) process.exitCode = 1;
});
