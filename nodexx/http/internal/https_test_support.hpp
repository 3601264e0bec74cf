// SPDX-License-Identifier: MIT
// Test support for the HTTPS server tests: server options from the test PKI, a TLS client on
// the test's own loop that reads raw bytes, and a fixture that runs a test's task to its end.
// Used by the https_*_test.cpp files; never by the library.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/http/https.hpp"
#include "nodexx/net/internal/test_certs.hpp"
#include "nodexx/net/tls.hpp"

namespace nx::http::testing {

/// The code of a SystemError, "?" for anything else.
inline std::string codeOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& err) {
    return std::string(err.code());
  } catch (...) {
    return "?";
  }
}

/// An HTTPS server's options with the test PKI's "localhost" certificate.
inline https::ServerOptions serverOptions() {
  https::ServerOptions o;
  o.key = tls::testing::TestPki::get().leaf.key;
  o.cert = tls::testing::TestPki::get().leaf.cert;
  return o;
}

/// A client connection to 127.0.0.1:port named "localhost", trusting the test CA.
inline tls::ConnectOptions trustingOptions(int port) {
  tls::ConnectOptions o(port, "localhost");
  o.ca.emplace_back(tls::testing::TestPki::get().ca.cert);
  return o;
}

/// A TLS client on the test's loop that reads raw bytes: whole HTTP responses, bytes up to a
/// marker, or everything to the end of the stream.
class TlsPeer {
 public:
  explicit TlsPeer(std::shared_ptr<tls::TLSSocket> s) : s_(std::move(s)) {
    // An error with no listener would be uncaught (as in Node); closed() reports it instead.
    s_->events().error.on([err = error_](std::exception_ptr e) { *err = codeOf(e); });
  }

  tls::TLSSocket& socket() noexcept { return *s_; }
  Promise<> send(std::string bytes) { co_await s_->write(Buffer::from(bytes)); }

  /// One whole response (Content-Length or chunked, the chunks decoded into its body); what
  /// arrived when the connection ended first (often "").
  Promise<std::string> response() {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!co_await fill()) co_return take(buf_.size());
    }
    const std::size_t headLen = end + 4;
    std::string lower = buf_.substr(0, headLen);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      const std::size_t len = std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
      while (buf_.size() < headLen + len) {
        if (!co_await fill()) break;
      }
      co_return take(std::min(buf_.size(), headLen + len));
    }
    std::string out = take(headLen);
    for (;;) {
      std::size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        if (!co_await fill()) co_return out;
      }
      const std::size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2) {
        if (!co_await fill()) co_return out;
      }
      out += buf_.substr(eol + 2, size);
      buf_.erase(0, eol + 2 + size + 2);
      if (size == 0) co_return out;
    }
  }

  /// The bytes up to and including `marker` (all that came, if the stream ended first).
  Promise<std::string> readUntil(std::string marker) {
    std::size_t at;
    while ((at = buf_.find(marker)) == std::string::npos) {
      if (!co_await fill()) co_return take(buf_.size());
    }
    co_return take(at + marker.size());
  }

  /// Reads to the end of the stream: "end" for a clean end (close_notify or FIN), else the
  /// error's code. Bytes that arrive first are kept in pending().
  Promise<std::string> closed() {
    for (bool more = true; more;) {
      more = false;
      try {
        more = co_await fill();
      } catch (...) {
        if (error_->empty()) *error_ = codeOf(std::current_exception());
      }
    }
    co_return error_->empty() ? std::string("end") : *error_;
  }

  /// Everything until the stream ends, then "|end" for a clean end or "|<code>".
  Promise<std::string> rest() {
    std::string how = co_await closed();
    co_return take(buf_.size()) + "|" + how;
  }

  const std::string& pending() const noexcept { return buf_; }

 private:
  Promise<bool> fill() {
    std::optional<Buffer> chunk = co_await s_->read();
    if (!chunk) co_return false;
    buf_ += chunk->byteView();
    co_return true;
  }
  std::string take(std::size_t n) {
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }

  std::shared_ptr<tls::TLSSocket> s_;
  std::string buf_;
  // Shared with the error listener, which may outlive this object (moves included).
  std::shared_ptr<std::string> error_ = std::make_shared<std::string>();
};

/// Connects to 127.0.0.1:port trusting the test CA, presenting `clientCert` when not null.
inline Promise<TlsPeer> connectTo(int port, const tls::testing::KeyPair* clientCert = nullptr) {
  tls::ConnectOptions o = trustingOptions(port);
  if (clientCert != nullptr) {
    o.key = clientCert->key;
    o.cert = clientCert->cert;
  }
  co_return TlsPeer(co_await tls::connect(o));
}

/// A fresh loop whose tests run one task to its end.
class HttpsFixture : public nx::testing::FreshLoop {
 protected:
  /// Runs the loop until `task` settles; a rejection fails the test with its message (the
  /// server is closed then, so that the loop can end).
  void runUntilSettled(Server& server, Promise<> task) {
    auto guarded = [](Server& s, Promise<> t) -> Promise<> {
      std::exception_ptr error;
      try {
        co_await t;
      } catch (...) {
        error = std::current_exception();
      }
      if (error) {
        if (s.listening()) {
          s.closeAllConnections();
          co_await s.close(std::chrono::milliseconds(100));
        }
        std::rethrow_exception(error);
      }
    };
    Promise<> p = guarded(server, std::move(task));
    loop.run();
    ASSERT_FALSE(p.isPending()) << "the test's task never finished";
    if (p.isRejected()) {
      try {
        std::rethrow_exception(p.state()->error);
      } catch (const std::exception& e) {
        FAIL() << "the test's task failed: " << e.what();
      }
    }
  }
};

}  // namespace nx::http::testing
