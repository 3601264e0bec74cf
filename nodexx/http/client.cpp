// SPDX-License-Identifier: MIT
#include "nodexx/http/client.hpp"

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/http/agent.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/http/internal/client_errors.hpp"
#include "nodexx/http/internal/response_parser.hpp"
#include "nodexx/http/url.hpp"
#include "nodexx/net/socket.hpp"

namespace nx::http {

using detail::ResponseParser;

// ---- IncomingResponse ----

IncomingResponse::IncomingResponse(int statusCode, std::string statusMessage, int httpMajor,
                                   int httpMinor, Headers headers)
    : statusCode_(statusCode),
      statusMessage_(std::move(statusMessage)),
      httpMajor_(httpMajor),
      httpMinor_(httpMinor),
      headers_(std::move(headers)) {}

std::string IncomingResponse::httpVersion() const {
  return std::to_string(httpMajor_) + "." + std::to_string(httpMinor_);
}

void IncomingResponse::_read(std::size_t) {
  // The consumer wants more: let the socket flow again if the body had paused it.
  if (auto req = request_.lock()) std::dynamic_pointer_cast<ClientRequest>(req)->resumeSocket();
}

// ---- the parser sink and socket listeners ----

struct ClientRequest::Impl final : detail::ResponseSink {
  explicit Impl(ClientRequest& r, std::uint32_t maxHeaderSize)
      : req(r), parser(*this, maxHeaderSize) {}

  bool onResponse(detail::ResponseHead& head) override {
    Headers headers;
    for (auto& [name, value] : head.fields) headers.appendUnchecked(name, value);
    req.response_ =
        std::make_shared<IncomingResponse>(head.statusCode, std::move(head.statusMessage),
                                           head.httpMajor, head.httpMinor, std::move(headers));
    req.response_->request_ = req.self();
    req.response_->events().error.on([](std::exception_ptr) {});  // see start()
    if (req.maxResponseBytes_ && head.contentLength &&
        *head.contentLength > req.maxResponseBytes_) {
      tooLarge = true;
    }
    if (req.waiting_) {
      auto w = std::move(*req.waiting_);
      req.waiting_.reset();
      w.resolve(req.response_);
    }
    return true;
  }

  void onBody(std::string_view chunk) override {
    if (tooLarge || !req.response_) return;
    req.bodyBytes_ += chunk.size();
    if (req.maxResponseBytes_ && req.bodyBytes_ > req.maxResponseBytes_) {
      tooLarge = true;
      return;
    }
    // A slice of the socket's chunk: the body is never copied.
    auto offset = static_cast<std::ptrdiff_t>(chunk.data() - current->byteView().data());
    Buffer slice = current->subarray(offset, offset + static_cast<std::ptrdiff_t>(chunk.size()));
    if (!req.response_->push(std::move(slice)) && req.socket_ && !req.socketPaused_) {
      req.socketPaused_ = true;
      req.socket_->pause();
    }
  }

  void onComplete() override { completed = true; }

  ClientRequest& req;
  ResponseParser parser;
  const Buffer* current = nullptr;
  bool tooLarge = false;
  bool completed = false;
  bool leftover = false;  // bytes after the response: the connection is not reusable
  ListenerId dataId = 0, endId = 0, errorId = 0, closeId = 0, timeoutId = 0;
};

// ---- ClientRequest ----

namespace {

bool methodHasNoBodyByDefault(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "DELETE" || m == "OPTIONS" || m == "TRACE" ||
         m == "CONNECT";
}

std::exception_ptr lengthMismatch(std::uint64_t actual, std::uint64_t declared) {
  return std::make_exception_ptr(
      SystemError(std::string(errc::kContentLengthMismatch),
                  "Request body's content-length of " + std::to_string(actual) +
                      " byte(s) does not match the content-length of " + std::to_string(declared) +
                      " byte(s) set in header"));
}

stream::WritableOptions requestStreamOptions() {
  stream::WritableOptions o;
  o.autoDestroy = false;  // as Node's OutgoingMessage: finishing the body is not the end
  return o;
}

}  // namespace

ClientRequest::ClientRequest(const RequestOptions& options, std::string method, std::string path,
                             std::string originKey, std::string host, int port, bool tls)
    : stream::Writable<Buffer>(requestStreamOptions()),
      method_(std::move(method)),
      path_(std::move(path)),
      originKey_(std::move(originKey)),
      host_(std::move(host)),
      port_(port),
      tls_(tls),
      headers_(options.headers),
      agent_(options.agent ? options.agent : &Agent::global()),
      timeout_(options.timeout),
      deadline_(options.deadline),
      signal_(options.signal),
      maxResponseBytes_(options.maxResponseBytes),
      rejectUnauthorized_(options.rejectUnauthorized),
      ca_(options.ca),
      family_(options.family),
      impl_(std::make_unique<Impl>(*this, options.maxHeaderSize)) {}

ClientRequest::~ClientRequest() {
  if (abortListener_) signal_.off(abortListener_);
}

void ClientRequest::start() {
  auto self = std::dynamic_pointer_cast<ClientRequest>(this->self());
  self_ = self;
  // Failures reach the caller through response(); the "error" event is there for those who
  // listen, and an unheard one must not become an uncaught exception (Node checks
  // listenerCount before emitting errors on client messages, too).
  events().error.on([](std::exception_ptr) {});
  if (deadline_.count() > 0) {
    deadlineTimer_ =
        setTimeout([this] { fail(std::make_exception_ptr(TimeoutError())); }, deadline_);
  }
  if (signal_) {
    if (signal_.aborted()) {
      auto reason = signal_.reason();
      nextTick([self, reason] { self->fail(reason); });
      return;
    }
    abortListener_ = signal_.onAbort([this] {
      abortListener_ = 0;
      auto reason = signal_.reason();
      fail(reason ? reason : std::make_exception_ptr(AbortError()));
    });
  }
  (void)run(self);
}

Promise<> ClientRequest::run(std::shared_ptr<ClientRequest> self) {
  Agent::Origin origin;
  origin.key = originKey_;
  origin.host = host_;
  origin.port = port_;
  origin.tls = tls_;
  origin.servername = host_;
  origin.rejectUnauthorized = rejectUnauthorized_;
  origin.ca = ca_;
  origin.family = family_;
  AgentLease lease;
  try {
    auto acquiring = agent_->acquire(origin, ticket_);
    lease = co_await acquiring;
  } catch (...) {
    ticket_ = 0;
    self->fail(std::current_exception());
    co_return;
  }
  ticket_ = 0;
  if (failed_) {
    // Aborted while connecting: the fresh connection can still serve someone else.
    agent_->release(originKey_, std::move(lease), true);
    co_return;
  }
  self->onSocket(std::move(lease));
}

void ClientRequest::onSocket(AgentLease lease) {
  socket_ = std::move(lease.socket);
  tcp_ = lease.tcp;
  reused_ = lease.reused;
  impl_->parser.reset(method_ == "HEAD");
  auto ev = socket_->events();
  impl_->dataId = ev.data.on([this](Buffer& chunk) { onData(chunk); });
  impl_->endId = ev.end.on([this] { onSocketGone(nullptr); });
  impl_->errorId = ev.error.on([this](std::exception_ptr e) { onSocketGone(e); });
  impl_->closeId = ev.close.on([this] { onSocketGone(nullptr); });
  if (timeout_.count() > 0) {
    tcp_->setTimeout(timeout_);
    impl_->timeoutId = tcp_->events().timeout.on([this] { fail(detail::socketTimeout()); });
  }
  socket_->resume();
  if (pendingWrite_) {
    auto cb = std::move(pendingWrite_);
    pendingWrite_ = stream::Callback();
    writeBody(std::move(pendingChunk_), std::move(cb));
  } else if (pendingFinal_) {
    auto cb = std::move(pendingFinal_);
    pendingFinal_ = stream::Callback();
    _final(std::move(cb));
  }
}

void ClientRequest::sendHead(bool ending, std::size_t knownLength) {
  if (headSent_ || !socket_) return;
  headSent_ = true;
  std::string head;
  head.reserve(256);
  head += method_;
  head += ' ';
  head += path_;
  head += " HTTP/1.1\r\n";
  if (!headers_.has("host")) {
    head += "Host: ";
    head += host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
    if (port_ != (tls_ ? 443 : 80)) head += ":" + std::to_string(port_);
    head += "\r\n";
  }
  if (!headers_.has("connection")) {
    head += agent_->options().keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  }
  const auto length = headers_.get("content-length");
  const bool hasLength = length.has_value();
  if (length) {
    std::uint64_t n = 0;
    bool digits = !length->empty();
    for (char c : *length) {
      digits = digits && c >= '0' && c <= '9';
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits) declaredLength_ = n;
  }
  auto te = headers_.get("transfer-encoding");
  if (te) {
    chunked_ = te->find("chunked") != std::string_view::npos;
  } else if (!hasLength) {
    if (ending) {
      if (knownLength > 0 || !methodHasNoBodyByDefault(method_)) {
        head += "Content-Length: " + std::to_string(knownLength) + "\r\n";
      }
    } else {
      chunked_ = true;
      head += "Transfer-Encoding: chunked\r\n";
    }
  }
  for (const auto& [name, value] : headers_) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += "\r\n";
  (void)socket_->write(Buffer::from(head));
}

void ClientRequest::flushHeaders() {
  if (socket_) {
    sendHead(false, 0);
  }
}

void ClientRequest::setHeader(std::string_view name, std::string_view value) {
  if (headSent_) {
    throw SystemError(std::string(errc::kHeadersSent),
                      "Cannot set headers after they are sent to the client");
  }
  headers_.set(name, value);
}

std::optional<std::string_view> ClientRequest::getHeader(std::string_view name) const noexcept {
  return headers_.get(name);
}

void ClientRequest::removeHeader(std::string_view name) {
  if (headSent_) {
    throw SystemError(std::string(errc::kHeadersSent),
                      "Cannot remove headers after they are sent to the client");
  }
  headers_.remove(name);
}

void ClientRequest::_write(Buffer chunk, stream::Callback callback) {
  if (failed_) {
    callback(error_);
    return;
  }
  if (!socket_) {
    pendingChunk_ = std::move(chunk);
    pendingWrite_ = std::move(callback);
    return;
  }
  writeBody(std::move(chunk), std::move(callback));
}

void ClientRequest::writeBody(Buffer chunk, stream::Callback callback) {
  if (!headSent_) {
    // end(data) with nothing written before: the body's length is known (Node's rule).
    const bool onlyChunk = writableEnded() && writableLength() == chunk.size();
    sendHead(onlyChunk, chunk.size());
  }
  auto done = [callback](std::exception_ptr e) { callback(e); };
  sentBytes_ += chunk.size();
  if (declaredLength_ && !chunked_ && sentBytes_ > *declaredLength_) {
    // More bytes than announced would be read by the server as the start of another request.
    auto error = lengthMismatch(sentBytes_, *declaredLength_);
    callback(error);
    fail(error);
    return;
  }
  if (chunk.empty()) {
    callback();
    return;
  }
  if (chunked_) {
    char size[20];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    socket_->cork();
    (void)socket_->write(Buffer::from(std::string_view(size, static_cast<std::size_t>(n))));
    (void)socket_->write(std::move(chunk));
    (void)socket_->write(Buffer::from("\r\n"), std::move(done));
    socket_->uncork();
  } else {
    (void)socket_->write(std::move(chunk), std::move(done));
  }
}

void ClientRequest::_final(stream::Callback callback) {
  if (failed_) {
    callback(error_);
    return;
  }
  if (!socket_) {
    pendingFinal_ = std::move(callback);
    return;
  }
  sendHead(true, 0);
  if (declaredLength_ && !chunked_ && sentBytes_ != *declaredLength_) {
    auto error = lengthMismatch(sentBytes_, *declaredLength_);
    callback(error);
    fail(error);
    return;
  }
  auto finished = [this, callback](std::exception_ptr e) {
    callback(e);
    if (!e) {
      requestDone_ = true;
      maybeRelease();
    }
  };
  if (chunked_) {
    (void)socket_->write(Buffer::from("0\r\n\r\n"), std::move(finished));
  } else {
    finished(nullptr);
  }
}

void ClientRequest::_destroy(std::exception_ptr error, stream::Callback callback) {
  if (!failed_ && !(responseDone_ && requestDone_)) {
    fail(error ? error : detail::connReset("socket hang up"));
  }
  callback(error);
}

void ClientRequest::resumeSocket() {
  if (socketPaused_ && socket_) {
    socketPaused_ = false;
    socket_->resume();
  }
}

void ClientRequest::onData(Buffer& chunk) {
  if (failed_ || responseDone_) {
    impl_->leftover = impl_->leftover || !chunk.empty();
    return;
  }
  impl_->current = &chunk;
  auto r = impl_->parser.execute(chunk.data() ? reinterpret_cast<const char*>(chunk.data()) : "",
                                 chunk.size());
  impl_->current = nullptr;
  if (impl_->tooLarge) {
    fail(detail::responseTooLarge(maxResponseBytes_));
    return;
  }
  if (r.status == ResponseParser::Status::Error) {
    const auto& f = impl_->parser.failure();
    fail(std::make_exception_ptr(ParseError(f.code, "Parse Error: " + f.reason, 0, r.consumed)));
    return;
  }
  if (r.status == ResponseParser::Status::Paused) {
    if (r.consumed < chunk.size()) impl_->leftover = true;
    finishResponse();
  }
}

void ClientRequest::finishResponse() {
  responseDone_ = true;
  if (response_) {
    response_->complete_ = true;
    response_->push(nullptr);
  }
  maybeRelease();
}

void ClientRequest::onSocketGone(std::exception_ptr error) {
  if (failed_ || !socket_) return;
  if (responseDone_) {
    // The response is complete but the body is still going out: the connection is gone.
    if (!requestDone_) fail(error ? error : detail::connReset("socket hang up"));
    return;
  }
  if (!error) {
    auto r = impl_->parser.finish();
    if (r.status == ResponseParser::Status::Paused) {
      impl_->leftover = true;  // a close-delimited body: never reuse
      finishResponse();
      return;
    }
  }
  if (!error) error = detail::connReset(response_ ? "aborted" : "socket hang up");
  fail(error);
}

void ClientRequest::maybeRelease() {
  if (!responseDone_ || !requestDone_ || failed_) return;
  if (socket_) {
    detachSocket(impl_->parser.keepAlive() && !impl_->leftover && !socket_->destroyed());
  }
  clearTimeout(deadlineTimer_);
  if (abortListener_) {
    signal_.off(abortListener_);
    abortListener_ = 0;
  }
  auto keep = std::move(self_);  // may be the last reference: released at scope end
}

void ClientRequest::detachSocket(bool reusable) {
  AgentLease lease;
  lease.socket = std::move(socket_);
  lease.tcp = std::exchange(tcp_, nullptr);
  auto ev = lease.socket->events();
  ev.data.off(impl_->dataId);
  ev.end.off(impl_->endId);
  ev.error.off(impl_->errorId);
  ev.close.off(impl_->closeId);
  if (impl_->timeoutId) lease.tcp->events().timeout.off(impl_->timeoutId);
  impl_->timeoutId = 0;
  lease.tcp->setTimeout(std::chrono::milliseconds(0));
  agent_->release(originKey_, std::move(lease), reusable);
}

void ClientRequest::fail(std::exception_ptr error) {
  if (failed_ || (responseDone_ && requestDone_)) return;
  failed_ = true;
  error_ = error;
  auto keep = std::move(self_);
  clearTimeout(deadlineTimer_);
  if (abortListener_) {
    signal_.off(abortListener_);
    abortListener_ = 0;
  }
  if (ticket_) {
    auto t = ticket_;
    ticket_ = 0;
    agent_->cancel(t, error);
  }
  if (socket_) detachSocket(false);
  if (pendingWrite_) {
    auto cb = std::move(pendingWrite_);
    pendingWrite_ = stream::Callback();
    cb(error);
  }
  if (pendingFinal_) {
    auto cb = std::move(pendingFinal_);
    pendingFinal_ = stream::Callback();
    cb(error);
  }
  if (response_ && !responseDone_) response_->destroy(error);
  if (waiting_) {
    auto w = std::move(*waiting_);
    waiting_.reset();
    w.reject(error);
  }
  if (!destroyed()) destroy(error);
}

Promise<std::shared_ptr<IncomingResponse>> ClientRequest::response() {
  if (response_) return Promise<std::shared_ptr<IncomingResponse>>::resolve(response_);
  if (error_) return Promise<std::shared_ptr<IncomingResponse>>::reject(error_);
  if (!waiting_) waiting_ = Promise<std::shared_ptr<IncomingResponse>>::withResolvers();
  return waiting_->promise;
}

void ClientRequest::abort() { fail(std::make_exception_ptr(AbortError())); }

// ---- request() ----

std::shared_ptr<ClientRequest> request(const RequestOptions& options) {
  std::string protocol, hostname, path;
  int port;
  Headers extra;
  if (!options.url.empty()) {
    Url u(options.url);
    protocol = u.protocol();
    hostname = u.hostname();
    port = u.effectivePort();
    path = u.path();
    if (path.empty()) path = "/";
    if (!u.username().empty() || !u.password().empty()) {
      std::string credentials = percentDecode(u.username()) + ":" + percentDecode(u.password());
      extra.set("Authorization", "Basic " + Buffer::from(credentials).toString(Encoding::Base64));
    }
  } else {
    protocol = options.protocol;
    hostname = options.hostname.empty() ? "localhost" : options.hostname;
    port = options.port;
    path = options.path.empty() ? "/" : options.path;
  }
  if (protocol != "http:" && protocol != "https:") {
    throw SystemError(std::string(detail::client_errc::kInvalidProtocol),
                      "Protocol \"" + protocol + "\" not supported. Expected \"http:\"");
  }
  const bool tls = protocol == "https:";
  if (port <= 0) port = tls ? 443 : 80;
  if (port > 65535)
    throw RangeError("ERR_SOCKET_BAD_PORT",
                     "Port should be >= 0 and < 65536. Received " + std::to_string(port) + ".");
  if (!isValidHeaderName(options.method)) {
    throw SystemError(std::string(errc::kInvalidHttpToken),
                      "Method must be a valid HTTP token [\"" + options.method + "\"]");
  }
  for (char c : path) {
    auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F) {
      throw SystemError(std::string(detail::client_errc::kUnescapedCharacters),
                        "Request path contains unescaped characters");
    }
  }
  if (!hostname.empty() && hostname.front() == '[' && hostname.back() == ']') {
    hostname = hostname.substr(1, hostname.size() - 2);
  }
  std::string key = protocol + hostname + ":" + std::to_string(port);
  if (options.family) key += ":family" + std::to_string(options.family);
  if (tls) {
    key += options.rejectUnauthorized ? ":verify" : ":noverify";
    if (!options.ca.empty()) key += ":ca" + std::to_string(std::hash<std::string>{}(options.ca));
  }
  auto req = std::make_shared<ClientRequest>(options, options.method, path, std::move(key),
                                             hostname, port, tls);
  for (const auto& [name, value] : extra) {
    if (!req->headers_.has(name)) req->headers_.append(name, value);
  }
  req->start();
  return req;
}

std::shared_ptr<ClientRequest> get(const RequestOptions& options) {
  RequestOptions o = options;
  o.method = "GET";
  auto req = request(o);
  req->end();
  return req;
}

}  // namespace nx::http
