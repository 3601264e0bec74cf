// SPDX-License-Identifier: MIT
// The state behind http::Server: the listening handle, the connection list, the deadline timer.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "nodexx/core/promise.hpp"
#include "nodexx/http/internal/date_cache.hpp"
#include "nodexx/http/server.hpp"

namespace nx::http {

namespace detail {
class Connection;
}

/// Lives until the Server is gone and every handle and connection object is released (it
/// frees itself then), so libuv callbacks never see a dangling server.
class ServerImpl {
 public:
  ServerImpl(Server& owner, RequestHandler handler, ServerOptions options);
  ~ServerImpl();

  Server* owner;  // null once the Server object is destroyed
  RequestHandler handler;
  ServerOptions options;
  uv_loop_t* loop;
  detail::DateCache dates;

  // Connection bookkeeping, used by Connection.
  void connectionClosed(detail::Connection* c) noexcept;  // its handle closed
  void release(detail::Connection* c) noexcept;           // the object is no longer used
  bool isClosing() const noexcept { return closing_; }
  std::uint64_t now() const noexcept { return uv_now(loop); }

  Promise<> listenTcp(std::uint16_t port, std::string_view host);
  Promise<> listenPipe(std::string_view path);
  AddressInfo address() const;
  bool listening() const noexcept { return listening_; }
  Promise<> close(std::optional<std::chrono::milliseconds> deadline);
  void closeIdle() noexcept;
  void closeAll() noexcept;
  std::size_t connectionCount() const noexcept { return count_; }
  void detach() noexcept;  // the Server object is going away

 private:
  static void onConnection(uv_stream_t* s, int status);
  static void onTick(uv_timer_t* t);
  static void onDeadline(uv_timer_t* t);
  static void onHandleClosed(uv_handle_t* h);
  uv_stream_t* listenStream() noexcept { return reinterpret_cast<uv_stream_t*>(&listener_); }
  void stopListening() noexcept;
  void maybeFinishClose() noexcept;
  void maybeFree() noexcept;

  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } listener_;
  uv_timer_t tick_{};
  uv_timer_t deadlineTimer_{};
  int openHandles_ = 0;
  bool listening_ = false;
  bool listenerOpen_ = false;
  bool pipe_ = false;
  bool tickStarted_ = false;
  bool deadlineOpen_ = false;
  bool closing_ = false;
  std::string pipePath_;
  detail::Connection* head_ = nullptr;  // open connections (intrusive list)
  std::size_t count_ = 0;
  std::size_t objects_ = 0;  // Connection objects alive, open or not
  std::vector<detail::Connection*> pool_;
  std::optional<Promise<>::Resolvers> closeWaiter_;
};

}  // namespace nx::http
