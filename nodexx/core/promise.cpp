// SPDX-License-Identifier: MIT
#include "nodexx/core/promise.hpp"

#include "nodexx/core/internal/loop_state.hpp"

namespace nx::detail {

void PromiseBase::settled() {
  if (first) {
    LoopState& s = loop().state();
    s.microtasks.push(std::move(first));
    for (auto& r : rest) s.microtasks.push(std::move(r));
    rest.clear();
  } else if (status == Status::Rejected && !handled) {
    // Like V8's kPromiseRejectWithNoHandler: checked again once the microtasks drain, by
    // which time a handler may have been attached.
    retain(this);
    loop().state().pendingRejections.push_back(this);
  }
}

void throwEmptyPromise() {
  throw SystemError("ERR_INVALID_STATE", "Invalid state: the Promise is empty");
}

}  // namespace nx::detail
