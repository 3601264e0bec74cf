// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"

/// The error catalogue of the net module (net, dns, tls). Every error is an nx::SystemError
/// with Node's string code and Node's message, so `e.code() == "ECONNREFUSED"` and what() read
/// as they do in Node.
namespace nx::net {

/// Stable codes of the module, as Node names them. OS errors use their errno name
/// (ECONNREFUSED, EADDRINUSE, ECONNRESET, EPIPE, ETIMEDOUT, ENOENT) through NetError.
namespace codes {
/// "Socket is closed": write or connect on a destroyed socket.
inline constexpr std::string_view kSocketClosed = "ERR_SOCKET_CLOSED";
/// "Server is not running.": close() of a server that is not listening.
inline constexpr std::string_view kServerNotRunning = "ERR_SERVER_NOT_RUNNING";
/// "Listen method has been called more than once without closing."
inline constexpr std::string_view kServerAlreadyListen = "ERR_SERVER_ALREADY_LISTEN";
/// "Port should be >= 0 and < 65536. Received <port>." (a RangeError in Node).
inline constexpr std::string_view kSocketBadPort = "ERR_SOCKET_BAD_PORT";
/// An option with an unusable value (a TypeError in Node).
inline constexpr std::string_view kInvalidArgValue = "ERR_INVALID_ARG_VALUE";
/// Certificate name check failure: "Hostname/IP does not match certificate's altnames: ...".
inline constexpr std::string_view kTlsCertAltnameInvalid = "ERR_TLS_CERT_ALTNAME_INVALID";
/// "TLS handshake timeout".
inline constexpr std::string_view kTlsHandshakeTimeout = "ERR_TLS_HANDSHAKE_TIMEOUT";
/// "Client network socket disconnected before secure TLS connection was established":
/// the peer closed during a TLS handshake (code ECONNRESET, as in Node).
inline constexpr std::string_view kTlsSocketDisconnected = "ECONNRESET";
/// Key, certificate or CA text that OpenSSL cannot parse (Node reports OpenSSL's reason code;
/// nodexx uses this one code with OpenSSL's reason in the message).
inline constexpr std::string_view kTlsInvalidSecureContext = "ERR_TLS_INVALID_CONTEXT";
/// A TLS protocol failure reported by OpenSSL during the handshake or afterwards
/// (Node: ERR_SSL_<REASON>; nodexx: this code with OpenSSL's reason in the message).
inline constexpr std::string_view kSslError = "ERR_SSL_PROTOCOL_ERROR";
/// A minVersion/maxVersion that is not "TLSv1.2" or "TLSv1.3" (a TypeError in Node).
inline constexpr std::string_view kTlsInvalidProtocolVersion = "ERR_TLS_INVALID_PROTOCOL_VERSION";
/// A `ciphers` string that names no cipher OpenSSL knows.
inline constexpr std::string_view kSslNoCipherMatch = "ERR_SSL_NO_CIPHER_MATCH";
}  // namespace codes

/// A libuv failure of a socket operation, formatted as Node's net module formats it:
/// - connect, read, write, shutdown (Node's errnoException / exceptionWithHostPort):
///   "connect ECONNREFUSED 127.0.0.1:1", "read ECONNRESET", "connect ENOENT /tmp/x.sock";
/// - listen and bind (uvExceptionWithHostPort, with libuv's description):
///   "listen EADDRINUSE: address already in use :::8080", "listen EACCES: permission denied /p".
/// code() is the errno name, syscall() the operation; address() and port() are the peer or
/// local endpoint when known (port() is -1 for none and for Unix sockets).
class NetError : public UvError {
 public:
  NetError(int uvErr, std::string syscall, std::string address = {}, int port = -1,
           bool withDescription = false);
  std::string_view address() const noexcept { return address_; }
  int port() const noexcept { return port_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string address_;
  int port_;
  std::string message_;
};

/// A failed dns::lookup (getaddrinfo), as Node reports it: code() "ENOTFOUND" for an unknown
/// name (EAI_NONAME and EAI_NODATA, as Node maps them), else libuv's name ("EAI_AGAIN",
/// "EAI_FAIL"); what() "getaddrinfo ENOTFOUND nonexistent.invalid"; errnum() the libuv code.
class LookupError : public SystemError {
 public:
  LookupError(int uvErr, std::string hostname);
  int errnum() const noexcept { return errnum_; }
  std::string_view syscall() const noexcept { return "getaddrinfo"; }
  std::string_view hostname() const noexcept { return hostname_; }

 private:
  int errnum_;
  std::string hostname_;
};

/// A Node TypeError (ERR_INVALID_ARG_VALUE, ERR_INVALID_ARG_TYPE).
class TypeError : public SystemError {
 public:
  using SystemError::SystemError;
  std::string_view name() const noexcept override { return "TypeError"; }
};

/// ERR_SOCKET_CLOSED, "Socket is closed".
SystemError socketClosedError();
/// ERR_SERVER_NOT_RUNNING, "Server is not running.".
SystemError serverNotRunningError();
/// ERR_SERVER_ALREADY_LISTEN, "Listen method has been called more than once without closing.".
SystemError serverAlreadyListenError();
/// RangeError ERR_SOCKET_BAD_PORT for `port` outside [0, 65535].
RangeError badPortError(long long port);

}  // namespace nx::net
