// SPDX-License-Identifier: MIT
#include "nodexx/core/threadpool.hpp"

#include <cstdlib>

#include "nodexx/core/internal/loop_state.hpp"

namespace nx::threadpool {
namespace detail {

namespace {
struct Request {
  uv_work_t req{};
  std::unique_ptr<Work> work;
};
}  // namespace

void submit(std::unique_ptr<Work> w) {
  auto* r = new Request{};
  r->work = std::move(w);
  r->req.data = r;
  int rc = uv_queue_work(
      loop().uv(), &r->req, [](uv_work_t* req) { static_cast<Request*>(req->data)->work->execute(); },
      [](uv_work_t* req, int) {
        std::unique_ptr<Request> owned(static_cast<Request*>(req->data));
        nx::detail::invokeCallback(nx::detail::stateOf(req->loop),
                                   [&owned] { owned->work->complete(); });
      });
  if (rc != 0) {
    delete r;
    throw UvError(rc, "uv_queue_work");
  }
}

}  // namespace detail

std::size_t size() noexcept {
  // libuv reads the variable once, when the pool starts; mirror its rule.
  if (const char* v = std::getenv("UV_THREADPOOL_SIZE")) {
    long n = std::strtol(v, nullptr, 10);
    if (n < 1) n = 1;
    if (n > 1024) n = 1024;
    return static_cast<std::size_t>(n);
  }
  return 4;
}

}  // namespace nx::threadpool
