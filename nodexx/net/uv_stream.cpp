// SPDX-License-Identifier: MIT
#include "nodexx/net/internal/uv_stream.hpp"

#include <csignal>
#include <cstring>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "nodexx/core/internal/loop_state.hpp"

namespace nx::net::detail {

namespace {

// Every read lands in a loop thread's shared slab, and the chunk handed to the sink is a slice
// of it: a read costs no allocation and no copy until the slab is used up. A slice that a user
// keeps pins its whole slab (as Node's pooled buffers do); a slab that nobody else holds any
// more is reused from its start.
constexpr std::size_t kSlabBytes = 256 * 1024;
constexpr std::size_t kReadBytes = 64 * 1024;

struct ReadSlab {
  Buffer slab;
  std::size_t offset = 0;
};
thread_local ReadSlab tlsSlab;

template <class F>
void callIntoLoop(uv_loop_t* loop, F&& fn) noexcept {
  ::nx::detail::invokeCallback(::nx::detail::stateOf(loop), std::forward<F>(fn));
}

struct WriteReq {
  uv_write_t req{};
  UvStream* owner = nullptr;
  std::vector<Buffer> keep;  // the bytes uv_write points into
  MoveFunction<void(int)> done;
};

struct ConnectReq {
  uv_connect_t req{};
  UvStream* owner = nullptr;
  MoveFunction<void(int)> done;
};

struct ShutdownReq {
  uv_shutdown_t req{};
  UvStream* owner = nullptr;
  MoveFunction<void(int)> done;
};

}  // namespace

UvStream* UvStream::create(uv_loop_t* loop, Kind kind) {
  // A write to a socket the peer has closed must fail with EPIPE, not kill the process:
  // Node ignores SIGPIPE at startup. Done once, and only if nobody installed a handler.
  static std::once_flag ignoreSigpipe;
  std::call_once(ignoreSigpipe, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
  auto* s = new UvStream();
  s->kind_ = kind;
  // Neither init can fail on Unix for these arguments (they only zero the struct).
  if (kind == Kind::Tcp) {
    uv_tcp_init(loop, &s->h_.tcp);
  } else {
    uv_pipe_init(loop, &s->h_.pipe, 0);
  }
  s->h_.handle.data = s;
  return s;
}

void UvStream::onAlloc(uv_handle_t*, std::size_t, uv_buf_t* buf) {
  ReadSlab& r = tlsSlab;
  if (r.slab.empty() || r.slab.size() - r.offset < kReadBytes) {
    if (r.slab.empty() || r.slab.useCount() != 1) r.slab = Buffer::allocUnsafe(kSlabBytes);
    r.offset = 0;
  }
  buf->base = reinterpret_cast<char*>(r.slab.data() + r.offset);
  buf->len = kReadBytes;
}

void UvStream::onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<UvStream*>(s->data);
  if (nread == 0 || self->closing_ || self->sink_ == nullptr) return;
  const StreamSink* sink = self->sink_;
  void* owner = self->owner_;
  if (nread > 0) {
    ReadSlab& r = tlsSlab;
    Buffer chunk;
    if (buf->base == reinterpret_cast<char*>(r.slab.data() + r.offset)) {
      const auto n = static_cast<std::size_t>(nread);
      chunk = r.slab.subarray(static_cast<std::ptrdiff_t>(r.offset),
                              static_cast<std::ptrdiff_t>(r.offset + n));
      r.offset += (n + 7) & ~std::size_t{7};  // keep the next slice aligned
    } else {
      chunk = Buffer::from(std::span(reinterpret_cast<const std::uint8_t*>(buf->base),
                                     static_cast<std::size_t>(nread)));
    }
    callIntoLoop(s->loop, [&] { sink->onData(owner, std::move(chunk)); });
  } else if (nread == UV_EOF) {
    callIntoLoop(s->loop, [&] { sink->onEof(owner); });
  } else {
    const int err = static_cast<int>(nread);
    callIntoLoop(s->loop, [&] { sink->onReadError(owner, err); });
  }
}

int UvStream::readStart() noexcept {
  if (reading_ || closing_) return 0;
  const int r = uv_read_start(stream(), &UvStream::onAlloc, &UvStream::onRead);
  if (r == 0) reading_ = true;
  return r;
}

int UvStream::readStop() noexcept {
  if (!reading_) return 0;
  reading_ = false;
  return uv_read_stop(stream());
}

int UvStream::write(std::span<const Buffer> bufs, MoveFunction<void(int)> done) {
  if (closing_) return UV_EPIPE;
  constexpr std::size_t kInlineBufs = 16;
  uv_buf_t inlineBufs[kInlineBufs];
  std::vector<uv_buf_t> heapBufs;
  uv_buf_t* ub = inlineBufs;
  if (bufs.size() > kInlineBufs) {
    heapBufs.resize(bufs.size());
    ub = heapBufs.data();
  }
  std::size_t n = 0;
  std::size_t total = 0;
  for (const Buffer& b : bufs) {
    if (b.empty()) continue;
    ub[n++] = uv_buf_init(reinterpret_cast<char*>(b.data()), static_cast<unsigned>(b.size()));
    total += b.size();
  }
  // A write that the kernel takes at once needs no request and no copy of the Buffer list.
  std::size_t written = 0;
  if (n > 0) {
    const int r = uv_try_write(stream(), ub, static_cast<unsigned>(n));
    if (r >= 0) {
      written = static_cast<std::size_t>(r);
    } else if (r != UV_EAGAIN && r != UV_ENOSYS) {
      return r;
    }
  }
  if (written == total) {
    done(0);
    return 0;
  }
  // Skip what uv_try_write sent; uv_write takes the rest, pointing into the kept Buffers.
  std::size_t first = 0;
  while (written >= ub[first].len) written -= ub[first++].len;
  ub[first].base += written;
  ub[first].len -= written;
  auto* req = new WriteReq();
  req->owner = this;
  req->keep.assign(bufs.begin(), bufs.end());
  req->done = std::move(done);
  req->req.data = req;
  const int r = uv_write(&req->req, stream(), ub + first, static_cast<unsigned>(n - first),
                         [](uv_write_t* w, int status) {
                           auto* q = static_cast<WriteReq*>(w->data);
                           // Always delivered, with UV_ECANCELED after close(): the
                           // caller's completion must run for its stream to settle.
                           callIntoLoop(q->owner->loop(), [&] { q->done(status); });
                           delete q;
                         });
  if (r != 0) delete req;
  return r;
}

int UvStream::shutdown(MoveFunction<void(int)> done) {
  if (closing_) return UV_ENOTCONN;
  auto* req = new ShutdownReq();
  req->owner = this;
  req->done = std::move(done);
  req->req.data = req;
  const int r = uv_shutdown(&req->req, stream(), [](uv_shutdown_t* sreq, int status) {
    auto* q = static_cast<ShutdownReq*>(sreq->data);
    callIntoLoop(q->owner->loop(), [&] { q->done(status); });
    delete q;
  });
  if (r != 0) delete req;
  return r;
}

namespace {
void onConnect(uv_connect_t* c, int status) {
  auto* q = static_cast<ConnectReq*>(c->data);
  UvStream* owner = q->owner;
  if (!owner->isClosing()) callIntoLoop(owner->loop(), [&] { q->done(status); });
  delete q;
}
}  // namespace

int UvStream::connect(const sockaddr* addr, MoveFunction<void(int)> done) {
  auto* req = new ConnectReq();
  req->owner = this;
  req->done = std::move(done);
  req->req.data = req;
  const int r = uv_tcp_connect(&req->req, &h_.tcp, addr, onConnect);
  if (r != 0) delete req;
  return r;
}

void UvStream::connect(const char* path, MoveFunction<void(int)> done) {
  auto* req = new ConnectReq();
  req->owner = this;
  req->done = std::move(done);
  req->req.data = req;
  uv_pipe_connect(&req->req, &h_.pipe, path, onConnect);
}

int UvStream::listen(int backlog, MoveFunction<void(int)> onConnection) {
  onConnection_ = std::move(onConnection);
  return uv_listen(stream(), backlog, [](uv_stream_t* s, int status) {
    auto* self = static_cast<UvStream*>(s->data);
    if (self->closing_) return;
    callIntoLoop(s->loop, [&] { self->onConnection_(status); });
  });
}

int UvStream::accept(UvStream& client) noexcept { return uv_accept(stream(), client.stream()); }

void UvStream::onClose(uv_handle_t* h) {
  auto* self = static_cast<UvStream*>(h->data);
  if (self->onClosed_) callIntoLoop(h->loop, [&] { self->onClosed_(); });
  delete self;
}

void UvStream::close(bool reset, MoveFunction<void()> onClosed) noexcept {
  if (closing_) return;
  closing_ = true;
  onClosed_ = std::move(onClosed);
  sink_ = nullptr;
  owner_ = nullptr;
  reading_ = false;
  if (reset && kind_ == Kind::Tcp && uv_tcp_close_reset(&h_.tcp, &UvStream::onClose) == 0) return;
  uv_close(handle(), &UvStream::onClose);
}

int formatAddress(const sockaddr* addr, std::string& out, int& family) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(addr);
    uv_ip4_name(a, text, sizeof text);
    out = text;
    family = 4;
    return ntohs(a->sin_port);
  }
  if (addr->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
    uv_ip6_name(a, text, sizeof text);
    out = text;
    family = 6;
    return ntohs(a->sin6_port);
  }
  out.clear();
  family = 0;
  return -1;
}

}  // namespace nx::net::detail
