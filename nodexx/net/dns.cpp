// SPDX-License-Identifier: MIT
#include "nodexx/net/dns.hpp"

#include <uv.h>

#include <cstring>
#include <memory>

#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/net/internal/uv_stream.hpp"

namespace nx::dns {

namespace {

struct LookupReq {
  uv_getaddrinfo_t req{};
  Promise<LookupResult>::Resolvers resolvers = Promise<LookupResult>::withResolvers();
  std::string hostname;
  LookupOptions options;
};

void onResolved(uv_getaddrinfo_t* r, int status, addrinfo* res) {
  std::unique_ptr<LookupReq> q(static_cast<LookupReq*>(r->data));
  ::nx::detail::invokeCallback(::nx::detail::stateOf(r->loop), [&] {
    if (status != 0) {
      uv_freeaddrinfo(res);
      q->resolvers.reject(net::LookupError(status, q->hostname));
      return;
    }
    LookupResult out;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      LookupAddress a;
      net::detail::formatAddress(ai->ai_addr, a.address, a.family);
      if (a.family == 0) continue;
      out.addresses.push_back(std::move(a));
      if (!q->options.all) break;
    }
    uv_freeaddrinfo(res);
    if (out.addresses.empty()) {
      q->resolvers.reject(net::LookupError(UV_EAI_NONAME, q->hostname));
      return;
    }
    out.address = out.addresses.front().address;
    out.family = out.addresses.front().family;
    q->resolvers.resolve(std::move(out));
  });
}

}  // namespace

int isIP(std::string_view input) noexcept {
  if (input.empty() || input.size() >= 64) return 0;
  char text[64];
  std::memcpy(text, input.data(), input.size());
  text[input.size()] = '\0';
  unsigned char out[sizeof(in6_addr)];
  if (uv_inet_pton(AF_INET, text, out) == 0) return 4;
  if (uv_inet_pton(AF_INET6, text, out) == 0) return 6;
  return 0;
}

Promise<LookupResult> lookup(std::string hostname, LookupOptions options) {
  if (options.family != 0 && options.family != 4 && options.family != 6) {
    throw net::TypeError("ERR_INVALID_ARG_VALUE",
                         "The property 'options.family' must be one of: 0, 4, 6. Received " +
                             std::to_string(options.family));
  }
  // Node answers IP literals itself, without a thread-pool round trip.
  if (const int literal = isIP(hostname); literal != 0) {
    if (options.family == 0 || options.family == literal) {
      LookupResult out{hostname, literal, {{hostname, literal}}};
      return Promise<LookupResult>::resolve(std::move(out));
    }
  }
  auto q = std::make_unique<LookupReq>();
  q->hostname = std::move(hostname);
  q->options = options;
  addrinfo hints{};
  hints.ai_family = options.family == 4 ? AF_INET : options.family == 6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address, as Node asks for
  hints.ai_flags = options.hints;
  q->req.data = q.get();
  Promise<LookupResult> p = q->resolvers.promise;
  const int r =
      uv_getaddrinfo(loop().uv(), &q->req, onResolved, q->hostname.c_str(), nullptr, &hints);
  if (r != 0) {
    q->resolvers.reject(net::LookupError(r, q->hostname));
    return p;
  }
  q.release();  // owned by the request until onResolved
  return p;
}

}  // namespace nx::dns
