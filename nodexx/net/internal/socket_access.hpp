// SPDX-License-Identifier: MIT
// Access to a Socket's internals for the net module's own classes (Server, TLS).
#pragma once

#include "nodexx/net/socket.hpp"

namespace nx::net::detail {

class UvStream;

struct SocketAccess {
  static void onData(Socket& s, Buffer chunk);
  static void onEof(Socket& s);
  /// Makes `s` the owner of the connected (accepted) `handle`: emits connect/ready and starts
  /// reading. `onDestroyed` runs once when the socket is destroyed.
  static void adopt(Socket& s, UvStream* handle, MoveFunction<void()> onDestroyed);
  static UvStream* handle(Socket& s) noexcept;
  static Promise<> connect(Socket& s, ConnectOptions options, bool emitError);
};

}  // namespace nx::net::detail
