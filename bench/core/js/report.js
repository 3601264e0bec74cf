// SPDX-License-Identifier: MIT
// The one line run.py reads, the same as bench::report() in ../main.cpp.
'use strict';

module.exports = function report(name, ops, elapsedNs) {
  const ns = Number(elapsedNs);
  console.log(JSON.stringify({ name, ops, ns, nsPerOp: Number((ns / ops).toFixed(3)) }));
};
