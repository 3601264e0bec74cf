// SPDX-License-Identifier: MIT
// Twin of main.cpp on npm lru-cache: node lru.js <name> [ops]. Same benchmarks, same xorshift32
// sequence, same JSON line, same checksum (hits:sum:size).
'use strict';
const { LRUCache } = require('lru-cache');

const benchmarks = {
  get_heavy_1e3: { max: 1e3, getPercent: 90, ops: 1e7 },
  set_heavy_1e3: { max: 1e3, getPercent: 10, ops: 1e7 },
  get_heavy_1e6: { max: 1e6, getPercent: 90, ops: 5e6 },
  set_heavy_1e6: { max: 1e6, getPercent: 10, ops: 5e6 },
};

const name = process.argv[2];
if (name === '--list') {
  console.log(Object.keys(benchmarks).join('\n'));
  process.exit(0);
}
const b = benchmarks[name];
if (!b) {
  console.error(`lru.js: unknown benchmark '${name}'`);
  process.exit(2);
}
const ops = Number(process.argv[3] ?? b.ops);

let x = 2463534242;
function next() {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return x;
}

const cache = new LRUCache({ max: b.max });
for (let i = 0; i < b.max; i++) cache.set(i, i);
const keySpace = 2 * b.max;
let hits = 0;
let sum = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < ops; i++) {
  const isGet = next() % 100 < b.getPercent;
  const key = next() % keySpace;
  if (isGet) {
    const v = cache.get(key);
    if (v !== undefined) {
      hits++;
      sum += v;
    }
  } else {
    cache.set(key, i);
  }
}
const ns = process.hrtime.bigint() - t0;
console.log(JSON.stringify({
  name, ops, ns: Number(ns), nsPerOp: Number(ns) / ops, checksum: `${hits}:${sum}:${cache.size}`,
}));
