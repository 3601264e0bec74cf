// SPDX-License-Identifier: MIT
// The one line run.py reads, the same as report() in ../main.cpp.
export default function report(name, ops, elapsedNs) {
  const ns = Number(elapsedNs);
  console.log(JSON.stringify({ name, ops, ns, nsPerOp: Number((ns / ops).toFixed(3)) }));
}
