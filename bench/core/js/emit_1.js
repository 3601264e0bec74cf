// SPDX-License-Identifier: MIT
// Twin of bench::emit1 (../emitter.cpp): emit() with 1 listener(s).
'use strict';
const EventEmitter = require('node:events');
const report = require('./report');

const ops = Number(process.argv[2] ?? 1e7);
const listeners = 1;

const ee = new EventEmitter();
let sum = 0;
for (let k = 0; k < listeners; k++) ee.on('tick', (v) => { sum += v; });
const t0 = process.hrtime.bigint();
for (let i = 0; i < ops; i++) ee.emit('tick', i);
report('emit_1', ops, process.hrtime.bigint() - t0);
if (sum !== listeners * (ops * (ops - 1) / 2)) process.exitCode = 1;
