// SPDX-License-Identifier: MIT
// Twin of bench::thenChain (../promises.cpp): a chain of .then() built, then settled.
'use strict';
const report = require('./report');

const ops = Number(process.argv[2] ?? 1e6);

const t0 = process.hrtime.bigint();
let p = Promise.resolve(0);
for (let i = 0; i < ops; i++) p = p.then((v) => v + 1);
p.then((last) => {
  report('then_chain', ops, process.hrtime.bigint() - t0);
  if (last !== ops) process.exitCode = 1;
});
