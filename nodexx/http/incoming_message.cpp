// SPDX-License-Identifier: MIT
#include "nodexx/http/incoming_message.hpp"

#include <cstdint>
#include <vector>

#include "nodexx/http/internal/byte_scan.hpp"
#include "nodexx/http/internal/connection.hpp"

namespace nx::http {

void IncomingMessage::resetForNext() noexcept {
  complete_ = false;
  aborted_ = false;
  if (onAborted.listenerCount() != 0) onAborted.removeAllListeners();
}

std::string_view IncomingMessage::method() const noexcept { return conn_.parser().method(); }
std::string_view IncomingMessage::url() const noexcept { return conn_.parser().url(); }

std::string_view IncomingMessage::path() const noexcept {
  // One pass, eight bytes at a time (find_first_of would call memchr on the two-byte set for
  // every byte of the URL).
  const std::string_view u = url();
  const char* const data = u.data();
  const std::size_t n = u.size();
  auto stops = [](std::uint64_t word) {
    return detail::scan::matches(word, '?') | detail::scan::matches(word, '#');
  };
  std::size_t i = 0;
  for (; n - i >= 8; i += 8) {
    if (std::uint64_t m = stops(detail::scan::load(data + i)); m != 0) {
      return u.substr(0, i + detail::scan::first(m));
    }
  }
  if (n >= 8 && i != n) {
    // The last word, overlapping bytes already seen: their marks are dropped.
    const std::size_t last = n - 8;
    std::uint64_t m = detail::scan::dropBytes(stops(detail::scan::load(data + last)),
                                              static_cast<unsigned>(i - last));
    return m != 0 ? u.substr(0, last + detail::scan::first(m)) : u;
  }
  while (i < n && data[i] != '?' && data[i] != '#') ++i;
  return u.substr(0, i);
}

std::string_view IncomingMessage::query() const noexcept {
  std::string_view u = url();
  std::size_t q = u.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = u.substr(q + 1);
  return rest.substr(0, rest.find('#'));
}

std::string_view IncomingMessage::httpVersion() const noexcept {
  return conn_.parser().httpMinor() == 0 ? "1.0" : "1.1";
}
int IncomingMessage::httpVersionMajor() const noexcept { return conn_.parser().httpMajor(); }
int IncomingMessage::httpVersionMinor() const noexcept { return conn_.parser().httpMinor(); }

std::optional<std::string_view> IncomingMessage::header(std::string_view name) const noexcept {
  const detail::RequestParser& p = conn_.parser();
  for (const detail::FieldRef& f : p.fields()) {
    if (equalsIgnoreCase(p.fieldName(f), name)) return p.fieldValue(f);
  }
  return std::nullopt;
}

std::size_t IncomingMessage::headerCount() const noexcept { return conn_.parser().fields().size(); }

HeaderField IncomingMessage::headerAt(std::size_t i) const noexcept {
  const detail::RequestParser& p = conn_.parser();
  const detail::FieldRef& f = p.fields()[i];
  return {p.fieldName(f), p.fieldValue(f)};
}

Headers IncomingMessage::headers() const {
  Headers h;
  const detail::RequestParser& p = conn_.parser();
  for (const detail::FieldRef& f : p.fields()) h.appendUnchecked(p.fieldName(f), p.fieldValue(f));
  return h;
}

void IncomingMessage::setMaxBodyBytes(std::uint64_t n) noexcept {
  conn_.parser().setMaxBodyBytes(n);
}
std::uint64_t IncomingMessage::maxBodyBytes() const noexcept {
  return conn_.parser().maxBodyBytes();
}

Promise<std::optional<Buffer>> IncomingMessage::read() { return conn_.readBody(); }

Promise<Buffer> IncomingMessage::body() {
  std::vector<Buffer> parts;
  while (true) {
    std::optional<Buffer> chunk = co_await read();
    if (!chunk) break;
    parts.push_back(std::move(*chunk));
  }
  if (parts.size() == 1) co_return std::move(parts.front());
  co_return Buffer::concat(std::span<const Buffer>(parts));
}

std::shared_ptr<stream::Readable<Buffer>> IncomingMessage::stream() { return conn_.bodyStream(); }

std::string IncomingMessage::remoteAddress() const { return conn_.peerAddress(); }

// The other TLS accessors (authorized, getPeerCertificate, ...) are in https_server.cpp, where
// OpenSSL's headers may be included.
bool IncomingMessage::encrypted() const noexcept { return conn_.isEncrypted(); }

Headers IncomingMessage::trailers() const {
  Headers h;
  if (!complete_) return h;  // Node fills req.trailers at the end of the body
  const detail::RequestParser& p = conn_.parser();
  for (const detail::FieldRef& f : p.trailerFields()) {
    h.appendUnchecked(p.trailerName(f), p.trailerValue(f));
  }
  return h;
}

}  // namespace nx::http
