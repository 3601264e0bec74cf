// SPDX-License-Identifier: MIT
// EventEmitter.emit with one and with three listeners: js/emit_1.js and js/emit_3.js.
#include "bench.hpp"
#include "nodexx/core/event_emitter.hpp"

namespace bench {
namespace {

int emitWith(const char* name, int listeners, long ops) {
  nx::EventEmitter ee;
  long sum = 0;
  for (int k = 0; k < listeners; ++k) ee.on("tick", [&sum](long v) { sum += v; });
  const Ns t0 = now();
  for (long i = 0; i < ops; ++i) ee.emit("tick", i);
  report(name, ops, now() - t0);
  // The listeners' work is checked so that none of it can be optimised away.
  return sum == listeners * (ops * (ops - 1) / 2) ? 0 : 1;
}

}  // namespace

int emit1(long ops) { return emitWith("emit_1", 1, ops); }
int emit3(long ops) { return emitWith("emit_3", 3, ops); }

}  // namespace bench
