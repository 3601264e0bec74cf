// SPDX-License-Identifier: MIT
#include "nodexx/net/tls.hpp"

#include <openssl/x509.h>

#include "nodexx/net/errors.hpp"
#include "nodexx/net/internal/secure_context_impl.hpp"
#include "nodexx/net/internal/tls_adopt.hpp"
#include "nodexx/net/internal/tls_engine.hpp"

namespace nx::tls {

namespace detail {
struct TlsAccess {
  static std::shared_ptr<TLSSocket> make(std::shared_ptr<net::Socket> tcp, SecureContext ctx,
                                         bool server) {
    return std::make_shared<TLSSocket>(TLSSocket::Private{}, std::move(tcp), std::move(ctx),
                                       server);
  }
  static void configure(TLSSocket& t, bool requestCert, bool rejectUnauthorized, std::string host) {
    t.requestCert_ = requestCert;
    t.rejectUnauthorized_ = rejectUnauthorized;
    t.host_ = std::move(host);
  }
  static void start(TLSSocket& t, MoveFunction<void(std::exception_ptr)> onSecure) {
    t.onSecure_ = std::move(onSecure);
    t.start();
  }
  static TlsEngine& engine(TLSSocket& t) { return *t.engine_; }
  static void fail(TLSSocket& t, std::exception_ptr e) { t.fail(std::move(e)); }
  static Timeout& handshakeTimer(TLSSocket& t) { return t.handshakeTimer_; }
  static std::shared_ptr<TLSSocket> adopt(AdoptedSession s) {
    if (!s.pendingOutput.empty()) (void)s.tcp->write(std::move(s.pendingOutput));
    auto t = std::make_shared<TLSSocket>(TLSSocket::Private{}, std::move(s.tcp),
                                         std::move(s.engine), std::move(s.context));
    t->requestCert_ = s.requestCert;
    t->authorized_ = s.requestCert && s.authorized;
    t->authorizationError_ = std::move(s.authorizationError);
    t->start();
    // A close_notify that came with the last bytes the previous driver read ends the
    // readable side at once, as it would have had this socket read it.
    if (t->engine_->peerClosed()) {
      t->ended_ = true;
      t->push(nullptr);
    }
    return t;
  }
};

std::shared_ptr<TLSSocket> adoptServerSession(AdoptedSession session) {
  return TlsAccess::adopt(std::move(session));
}
}  // namespace detail

namespace {

stream::DuplexOptions tlsDuplexOptions() {
  stream::DuplexOptions d;
  d.allowHalfOpen = false;  // as net.Socket's default
  return d;
}

std::exception_ptr disconnectedError() {
  return std::make_exception_ptr(
      SystemError(std::string(net::codes::kTlsSocketDisconnected),
                  "Client network socket disconnected before secure TLS connection was "
                  "established"));
}

}  // namespace

TLSSocket::TLSSocket(Private, std::shared_ptr<net::Socket> tcp, SecureContext context, bool server)
    : stream::Duplex<Buffer, Buffer>(tlsDuplexOptions()),
      tcp_(std::move(tcp)),
      context_(std::move(context)),
      engine_(std::make_shared<detail::TlsEngine>(
          context_.impl()->ctx,
          server ? detail::TlsEngine::Role::Server : detail::TlsEngine::Role::Client)),
      server_(server) {}

TLSSocket::TLSSocket(Private, std::shared_ptr<net::Socket> tcp,
                     std::shared_ptr<detail::TlsEngine> engine, SecureContext context)
    : stream::Duplex<Buffer, Buffer>(tlsDuplexOptions()),
      tcp_(std::move(tcp)),
      context_(std::move(context)),
      engine_(std::move(engine)),
      server_(true) {}

TLSSocket::~TLSSocket() {
  clearTimeout(handshakeTimer_);
  detachTcp();
}

TLSSocketEvents TLSSocket::events() noexcept {
  return TLSSocketEvents{Duplex::events(), secureConnect_};
}

void TLSSocket::detachTcp() {
  if (!tcp_) return;
  auto ev = tcp_->events();
  for (ListenerId id : tcpListeners_) {
    // The ids are unique, so removing from every event the socket's listeners use is exact.
    if (ev.data.off(id) || ev.end.off(id) || ev.close.off(id)) continue;
  }
  tcpListeners_.clear();
}

void TLSSocket::start() {
  self_ = std::dynamic_pointer_cast<TLSSocket>(self());
  auto ev = tcp_->events();
  tcpListeners_.push_back(ev.data.on([this](Buffer& b) { onCiphertext(b); }));
  tcpListeners_.push_back(ev.end.on([this] {
    // A FIN: the end of the plaintext too (close_notify may not have been sent).
    if (!engine_->isHandshakeDone()) {
      fail(disconnectedError());
    } else if (!ended_) {
      ended_ = true;
      push(nullptr);
    }
  }));
  // The TCP socket's errors belong to the TLS socket, for the TCP socket's whole life (a
  // write can fail after the TLS socket is gone), so this listener is never removed; it holds
  // the TLS socket weakly.
  ev.error.on([weak = std::weak_ptr<TLSSocket>(self_)](std::exception_ptr& e) {
    auto t = weak.lock();
    if (t && !t->destroyed()) t->fail(t->engine_->isHandshakeDone() ? e : disconnectedError());
  });
  tcpListeners_.push_back(ev.close.on([this] {
    if (!engine_->isHandshakeDone()) {
      fail(disconnectedError());
    } else if (!destroyed()) {
      destroy();
    }
  }));
  if (!server_) {
    engine_->setServername(host_);
    engine_->startHandshake();
    flush();
  }
}

void TLSSocket::fail(std::exception_ptr error) {
  if (destroyed()) return;
  if (auto cb = std::exchange(onSecure_, nullptr)) {
    // Somebody awaits the handshake: the error goes to them, and the socket closes quietly.
    destroy();
    cb(error);
    return;
  }
  destroy(std::move(error));
}

void TLSSocket::flush(MoveFunction<void(std::exception_ptr)> done) {
  Buffer out = engine_->takeOutput();
  if (out.empty() || tcp_->destroyed()) {
    if (done) done(nullptr);
    return;
  }
  (void)tcp_->write(std::move(out), std::move(done));
}

void TLSSocket::onCiphertext(Buffer chunk) {
  std::vector<Buffer> plain;
  const bool ok = engine_->receive(chunk, plain);
  flush();  // handshake messages, alerts, key updates
  if (!ok) {
    if (engine_->callbackError()) {
      fail(engine_->callbackError());  // the SNICallback's exception
      return;
    }
    const std::string& reason = engine_->error();
    fail(std::make_exception_ptr(SystemError(detail::sslErrorCode(reason), reason)));
    return;
  }
  if (engine_->handshakeJustCompleted()) {
    onHandshakeDone();
    if (destroyed()) return;
  }
  bool full = false;
  for (Buffer& p : plain) full = !push(std::move(p)) || full;
  if (full) tcp_->pause();
  if (engine_->peerClosed() && !ended_) {
    ended_ = true;
    push(nullptr);
  }
}

void TLSSocket::onHandshakeDone() {
  clearTimeout(handshakeTimer_);
  std::string errorCode;
  std::exception_ptr verifyError;
  const long v = engine_->verifyResult();
  X509* peer = engine_->peerCertificate();
  if (!server_ || requestCert_) {
    if (v != X509_V_OK) {
      errorCode = std::string(detail::verifyErrorCode(v));
      verifyError = std::make_exception_ptr(SystemError(errorCode, detail::verifyErrorMessage(v)));
    } else if (peer == nullptr) {
      // Node reports a peer without a certificate this way.
      errorCode = "UNABLE_TO_GET_ISSUER_CERT";
      verifyError = std::make_exception_ptr(
          SystemError(errorCode, detail::verifyErrorMessage(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)));
    } else if (!server_) {
      const std::string reason = detail::checkServerIdentity(host_, peer);
      if (!reason.empty()) {
        errorCode = std::string(net::codes::kTlsCertAltnameInvalid);
        verifyError = std::make_exception_ptr(
            SystemError(errorCode, "Hostname/IP does not match certificate's altnames: " + reason));
      }
    }
  }
  X509_free(peer);
  authorized_ = errorCode.empty() && (!server_ || requestCert_);
  authorizationError_ = errorCode;
  if (verifyError && rejectUnauthorized_ && (!server_ || requestCert_)) {
    fail(verifyError);
    return;
  }
  // Writes made during the handshake have been encrypted by now; report them written once
  // their ciphertext is out.
  std::vector<stream::Callback> waiters = std::move(handshakeWaiters_);
  handshakeWaiters_.clear();
  flush([waiters = std::move(waiters)](std::exception_ptr e) {
    for (const auto& w : waiters) w(e);
  });
  if (!server_) secureConnect_.emit();
  if (auto cb = std::exchange(onSecure_, nullptr)) cb(nullptr);
}

bool TLSSocket::isSecure() const noexcept { return engine_->isHandshakeDone(); }

PeerCertificate TLSSocket::getPeerCertificate() const {
  X509* peer = engine_->peerCertificate();
  PeerCertificate c = detail::describeCertificate(peer);
  X509_free(peer);
  return c;
}

std::string TLSSocket::alpnProtocol() const { return engine_->alpnProtocol(); }

std::string TLSSocket::servername() const { return server_ ? engine_->servername() : host_; }

std::string TLSSocket::getProtocol() const { return engine_->protocol(); }

Cipher TLSSocket::getCipher() const { return detail::cipherOf(engine_->ssl()); }

void TLSSocket::_read(std::size_t) {
  if (tcp_ && tcp_->isPaused()) tcp_->resume();
}

void TLSSocket::_write(Buffer chunk, stream::Callback callback) {
  if (!engine_->send(chunk)) {
    const std::string& reason = engine_->error();
    callback(SystemError(detail::sslErrorCode(reason), reason));
    return;
  }
  if (!engine_->isHandshakeDone()) {
    handshakeWaiters_.push_back(std::move(callback));
    return;
  }
  flush([callback](std::exception_ptr e) { callback(std::move(e)); });
}

void TLSSocket::_final(stream::Callback callback) {
  engine_->shutdown();  // close_notify, then our FIN
  flush();
  (void)tcp_->end();
  callback();
}

void TLSSocket::_destroy(std::exception_ptr error, stream::Callback callback) {
  clearTimeout(handshakeTimer_);
  for (const auto& w : handshakeWaiters_) w(error);
  handshakeWaiters_.clear();
  detachTcp();
  if (tcp_ && !tcp_->destroyed()) tcp_->destroy();
  std::shared_ptr<TLSSocket> keep = std::move(self_);
  callback(std::move(error));
}

// ---- Server -------------------------------------------------------------------------------

namespace {
net::ServerOptions netOptions(const ServerOptions& o) {
  net::ServerOptions n;
  n.allowHalfOpen = true;  // the TLS layer decides when our side ends
  (void)o;
  return n;
}

}  // namespace

Server::Server(ServerOptions options)
    : net::Server(netOptions(options)),
      options_(std::move(options)),
      context_(detail::buildContext(options_, true, options_.requestCert, options_.ALPNProtocols)) {
  if (options_.SNICallback) {
    context_.impl()->sniCallback = options_.SNICallback;
    detail::enableSni(*context_.impl());
  }
  events().connection.on([this](std::shared_ptr<net::Socket>& tcp) {
    auto t = detail::TlsAccess::make(tcp, context_, true);
    detail::TlsAccess::configure(*t, options_.requestCert, options_.rejectUnauthorized, {});
    auto server = std::static_pointer_cast<Server>(shared_from_this());
    std::weak_ptr<TLSSocket> weak = t;
    if (options_.handshakeTimeout.count() > 0) {
      detail::TlsAccess::handshakeTimer(*t) = nx::setTimeout(
          [weak] {
            // Reported like any failed handshake: "tlsClientError", the socket destroyed.
            if (auto s = weak.lock()) {
              detail::TlsAccess::fail(
                  *s, std::make_exception_ptr(SystemError(
                          std::string(net::codes::kTlsHandshakeTimeout), "TLS handshake timeout")));
            }
          },
          options_.handshakeTimeout);
      detail::TlsAccess::handshakeTimer(*t).unref();
    }
    detail::TlsAccess::start(*t, [server, weak](std::exception_ptr e) {
      if (e) {
        if (server->tlsClientError_.listenerCount() > 0) server->tlsClientError_.emit(e);
        return;
      }
      if (auto s = weak.lock()) server->secureConnection_.emit(s);
    });
  });
}

void Server::addContext(std::string_view hostname, const SecureContextOptions& options) {
  detail::addContext(*context_.impl(), hostname, options);
}

void Server::addContext(std::string_view hostname, SecureContext context) {
  detail::addContext(*context_.impl(), hostname, std::move(context));
}

std::shared_ptr<Server> createServer(ServerOptions options,
                                     MoveFunction<void(std::shared_ptr<TLSSocket>)> listener) {
  auto server = std::make_shared<Server>(std::move(options));
  if (listener) {
    server->secureConnection().on(
        [fn = std::move(listener)](std::shared_ptr<TLSSocket>& s) mutable { fn(s); });
  }
  return server;
}

// ---- connect ------------------------------------------------------------------------------

namespace {

Promise<std::shared_ptr<TLSSocket>> handshake(std::shared_ptr<TLSSocket> t) {
  auto done = Promise<>::withResolvers();
  detail::TlsAccess::start(*t, [done](std::exception_ptr e) {
    if (e) {
      done.reject(e);
    } else {
      done.resolve();
    }
  });
  co_await done.promise;
  co_return t;
}

Promise<std::shared_ptr<TLSSocket>> connectImpl(ConnectOptions o) {
  SecureContext ctx = o.secureContext;
  if (!ctx) ctx = SecureContext(detail::buildContext(o, false, false, {}));
  std::shared_ptr<net::Socket> tcp = o.socket;
  if (tcp) {
    tcp->setAllowHalfOpen(true);  // the TLS layer decides when our side ends
  } else {
    net::ConnectOptions tcpOptions(o.port, o.host);
    tcpOptions.timeout = o.timeout;
    tcpOptions.family = o.family;
    net::SocketOptions so;
    so.allowHalfOpen = true;
    tcp = co_await net::connect(tcpOptions, so);
  }
  auto t = detail::TlsAccess::make(tcp, ctx, false);
  std::string name = o.servername.empty() ? (o.host.empty() ? "localhost" : o.host) : o.servername;
  detail::TlsAccess::configure(*t, false, o.rejectUnauthorized, name);
  if (!detail::TlsAccess::engine(*t).setAlpnProtocols(o.ALPNProtocols)) {
    t->destroy();
    throw net::TypeError("ERR_INVALID_ARG_VALUE",
                         "The argument 'ALPNProtocols' has an invalid protocol name");
  }
  co_return co_await handshake(t);
}

}  // namespace

Promise<std::shared_ptr<TLSSocket>> connect(ConnectOptions options) {
  if (options.port < 0 || options.port > 65535) throw net::badPortError(options.port);
  return connectImpl(std::move(options));
}

}  // namespace nx::tls
