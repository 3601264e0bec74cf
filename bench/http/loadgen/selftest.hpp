// SPDX-License-Identifier: MIT
#pragma once

namespace loadgen {

/// Checks the generator against itself: the response parser and the histogram on fixed input,
/// then short runs (about 7 s in all) against a small server on a thread of this process that
/// stalls, fails or frames its responses on purpose, checking that each shows where it must
/// (a 1 ms stall every 100th request in p99.9 and not in p50, queueing behind a stall in the
/// latency but not the service time, errors counted, an unsustainable rate reported as such).
/// Prints one line per check; returns whether all passed.
bool selftest();

}  // namespace loadgen
