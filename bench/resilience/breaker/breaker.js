// SPDX-License-Identifier: MIT
// Twin of main.cpp: opossum's fire() on an always-succeeding async call in the closed state, one
// fire awaited after another. node breaker.js fire|fire_timeout [ops]
'use strict';
const CircuitBreaker = require('opossum');

const name = process.argv[2];
const ops = Number(process.argv[3] ?? 1e6);
if (name !== 'fire' && name !== 'fire_timeout') {
  console.error('usage: node breaker.js fire|fire_timeout [ops]');
  process.exit(2);
}

// `timeout: false` disables opossum's per-call timer; the default is 10 s, as in nodexx.
const breaker = new CircuitBreaker(() => Promise.resolve(1),
  name === 'fire' ? { timeout: false } : {});

async function fireAll(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await breaker.fire();
  return sum;
}

const t0 = process.hrtime.bigint();
fireAll(ops).then((sum) => {
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(JSON.stringify({ name, ops, ns, nsPerOp: Number((ns / ops).toFixed(3)) }));
  if (sum !== ops || breaker.stats.successes !== ops) process.exitCode = 1;
  breaker.shutdown();
});
