// SPDX-License-Identifier: MIT
// Twin of limiter() in ../main.cpp: `ops` tasks returning a resolved promise through p-limit(8).
import pLimit from 'p-limit';
import report from './report.mjs';

const ops = Number(process.argv[2] ?? 1e6);
const task = () => Promise.resolve(1);

const t0 = process.hrtime.bigint();
const limit = pLimit(8);
const promises = new Array(ops);
for (let i = 0; i < ops; i++) promises[i] = limit(task);
const values = await Promise.all(promises);
let sum = 0;
for (const v of values) sum += v;
report('limiter', ops, process.hrtime.bigint() - t0);
if (sum !== ops) process.exitCode = 1;
