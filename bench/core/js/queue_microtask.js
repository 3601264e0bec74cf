// SPDX-License-Identifier: MIT
// Twin of bench::queueMicrotask (../queues.cpp).
// One shared callback: node allocates no closure per call (the C++ lambda is stored inline).
'use strict';
const report = require('./report');

const ops = Number(process.argv[2] ?? 1e6);

const t0 = process.hrtime.bigint();
let left = ops;
function task() {
  if (--left === 0) report('queue_microtask', ops, process.hrtime.bigint() - t0);
}
for (let i = 0; i < ops; i++) queueMicrotask(task);
