// SPDX-License-Identifier: MIT
// The WHATWG URL parser (basic URL parser state machine) and serialiser. The states and their
// steps follow the URL Standard in order, so each branch can be checked against it; the
// standard's "code points" are bytes here, which is equivalent for UTF-8 input because every
// byte of a non-ASCII character is percent-encoded in every set.
#include "nodexx/http/url.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "nodexx/http/internal/url_host.hpp"

namespace nx::http {

using detail::appendEncoded;
using detail::EncodeSet;
using detail::hexValue;

InvalidUrlError::InvalidUrlError(std::string input, std::string base)
    : SystemError("ERR_INVALID_URL", "Invalid URL"),
      input_(std::move(input)),
      base_(std::move(base)) {}

namespace {

constexpr int kEof = -1;

int defaultPort(std::string_view scheme) noexcept {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return -1;
}

bool isSpecialScheme(std::string_view s) noexcept {
  return s == "http" || s == "https" || s == "ws" || s == "wss" || s == "ftp" || s == "file";
}

bool isAlpha(int c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(int c) noexcept { return c >= '0' && c <= '9'; }
char lower(int c) noexcept { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); }

bool isWindowsDriveLetter(std::string_view s) noexcept {
  return s.size() == 2 && isAlpha(static_cast<unsigned char>(s[0])) && (s[1] == ':' || s[1] == '|');
}
bool isNormalizedWindowsDriveLetter(std::string_view s) noexcept {
  return isWindowsDriveLetter(s) && s[1] == ':';
}
bool startsWithWindowsDriveLetter(std::string_view s) noexcept {
  if (s.size() < 2 || !isWindowsDriveLetter(s.substr(0, 2))) return false;
  if (s.size() == 2) return true;
  char c = s[2];
  return c == '/' || c == '\\' || c == '?' || c == '#';
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}
bool isSingleDot(std::string_view s) noexcept { return s == "." || equalsIgnoreCase(s, "%2e"); }
bool isDoubleDot(std::string_view s) noexcept {
  return s == ".." || equalsIgnoreCase(s, ".%2e") || equalsIgnoreCase(s, "%2e.") ||
         equalsIgnoreCase(s, "%2e%2e");
}

}  // namespace

/// The basic URL parser without state override (setters use the small helpers in Url).
class UrlParser {
 public:
  enum class State {
    SchemeStart,
    Scheme,
    NoScheme,
    SpecialRelativeOrAuthority,
    PathOrAuthority,
    Relative,
    RelativeSlash,
    SpecialAuthoritySlashes,
    SpecialAuthorityIgnoreSlashes,
    Authority,
    Host,
    Port,
    File,
    FileSlash,
    FileHost,
    PathStart,
    Path,
    OpaquePath,
    Query,
    Fragment,
  };

  static std::optional<Url> run(std::string_view raw, const Url* base) {
    // Leading and trailing C0 controls and spaces go; tabs and newlines go everywhere.
    std::size_t b = 0, e = raw.size();
    while (b < e && static_cast<unsigned char>(raw[b]) <= 0x20) ++b;
    while (e > b && static_cast<unsigned char>(raw[e - 1]) <= 0x20) --e;
    std::string input;
    input.reserve(e - b);
    for (std::size_t i = b; i < e; ++i) {
      char c = raw[i];
      if (c != '\t' && c != '\n' && c != '\r') input += c;
    }
    UrlParser p(std::move(input), base);
    if (!p.parse()) return std::nullopt;
    return std::move(p.url_);
  }

 private:
  UrlParser(std::string input, const Url* base) : s_(std::move(input)), base_(base) {}

  int at(std::ptrdiff_t i) const noexcept {
    return i >= 0 && static_cast<std::size_t>(i) < s_.size()
               ? static_cast<unsigned char>(s_[static_cast<std::size_t>(i)])
               : kEof;
  }
  std::string_view rest(std::ptrdiff_t p) const noexcept {  // the "remaining" after pointer
    auto i = static_cast<std::size_t>(p + 1);
    return i <= s_.size() ? std::string_view(s_).substr(i) : std::string_view();
  }
  bool special() const noexcept { return isSpecialScheme(url_.scheme_); }

  void shortenPath() {
    auto& path = url_.path_;
    if (url_.scheme_ == "file" && path.size() == 1 && isNormalizedWindowsDriveLetter(path[0]))
      return;
    if (!path.empty()) path.pop_back();
  }

  void copyAuthorityFromBase() {
    url_.username_ = base_->username_;
    url_.password_ = base_->password_;
    url_.host_ = base_->host_;
    url_.port_ = base_->port_;
  }

  bool parse();

  std::string s_;
  const Url* base_;
  Url url_;
};

bool UrlParser::parse() {
  State state = State::SchemeStart;
  std::string buffer;
  bool atSignSeen = false, insideBrackets = false, passwordTokenSeen = false;
  const auto n = static_cast<std::ptrdiff_t>(s_.size());

  for (std::ptrdiff_t p = 0; p <= n; ++p) {
    const int c = at(p);
    switch (state) {
      case State::SchemeStart:
        if (isAlpha(c)) {
          buffer += lower(c);
          state = State::Scheme;
        } else {
          state = State::NoScheme;
          --p;
        }
        break;

      case State::Scheme:
        if (isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.') {
          buffer += lower(c);
        } else if (c == ':') {
          url_.scheme_ = std::move(buffer);
          buffer.clear();
          if (url_.scheme_ == "file") {
            state = State::File;
          } else if (special() && base_ && base_->scheme_ == url_.scheme_) {
            state = State::SpecialRelativeOrAuthority;
          } else if (special()) {
            state = State::SpecialAuthoritySlashes;
          } else if (at(p + 1) == '/') {
            state = State::PathOrAuthority;
            ++p;
          } else {
            url_.opaquePath_ = true;
            url_.path_.assign(1, std::string());
            state = State::OpaquePath;
          }
        } else {
          buffer.clear();
          state = State::NoScheme;
          p = -1;
        }
        break;

      case State::NoScheme:
        if (!base_ || (base_->opaquePath_ && c != '#')) return false;
        if (base_->opaquePath_ && c == '#') {
          url_.scheme_ = base_->scheme_;
          url_.opaquePath_ = true;
          url_.path_ = base_->path_;
          url_.query_ = base_->query_;
          url_.fragment_ = std::string();
          state = State::Fragment;
        } else if (base_->scheme_ != "file") {
          state = State::Relative;
          --p;
        } else {
          state = State::File;
          --p;
        }
        break;

      case State::SpecialRelativeOrAuthority:
        if (c == '/' && at(p + 1) == '/') {
          state = State::SpecialAuthorityIgnoreSlashes;
          ++p;
        } else {
          state = State::Relative;
          --p;
        }
        break;

      case State::PathOrAuthority:
        if (c == '/') {
          state = State::Authority;
        } else {
          state = State::Path;
          --p;
        }
        break;

      case State::Relative:
        url_.scheme_ = base_->scheme_;
        if (c == '/' || (special() && c == '\\')) {
          state = State::RelativeSlash;
        } else {
          copyAuthorityFromBase();
          url_.path_ = base_->path_;
          url_.query_ = base_->query_;
          if (c == '?') {
            url_.query_ = std::string();
            state = State::Query;
          } else if (c == '#') {
            url_.fragment_ = std::string();
            state = State::Fragment;
          } else if (c != kEof) {
            url_.query_.reset();
            shortenPath();
            state = State::Path;
            --p;
          }
        }
        break;

      case State::RelativeSlash:
        if (special() && (c == '/' || c == '\\')) {
          state = State::SpecialAuthorityIgnoreSlashes;
        } else if (c == '/') {
          state = State::Authority;
        } else {
          copyAuthorityFromBase();
          state = State::Path;
          --p;
        }
        break;

      case State::SpecialAuthoritySlashes:
        state = State::SpecialAuthorityIgnoreSlashes;
        if (c == '/' && at(p + 1) == '/') {
          ++p;
        } else {
          --p;
        }
        break;

      case State::SpecialAuthorityIgnoreSlashes:
        if (c != '/' && c != '\\') {
          state = State::Authority;
          --p;
        }
        break;

      case State::Authority:
        if (c == '@') {
          if (atSignSeen) buffer.insert(0, "%40");
          atSignSeen = true;
          for (char ch : buffer) {
            if (ch == ':' && !passwordTokenSeen) {
              passwordTokenSeen = true;
              continue;
            }
            appendEncoded(passwordTokenSeen ? url_.password_ : url_.username_,
                          static_cast<unsigned char>(ch), EncodeSet::Userinfo);
          }
          buffer.clear();
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || (special() && c == '\\')) {
          if (atSignSeen && buffer.empty()) return false;
          p -= static_cast<std::ptrdiff_t>(buffer.size()) + 1;
          buffer.clear();
          state = State::Host;
        } else {
          buffer += static_cast<char>(c);
        }
        break;

      case State::Host:
        if (c == ':' && !insideBrackets) {
          if (buffer.empty()) return false;
          auto host = detail::parseHost(buffer, !special());
          if (!host) return false;
          url_.host_ = std::move(*host);
          buffer.clear();
          state = State::Port;
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || (special() && c == '\\')) {
          --p;
          if (special() && buffer.empty()) return false;
          auto host = detail::parseHost(buffer, !special());
          if (!host) return false;
          url_.host_ = std::move(*host);
          buffer.clear();
          state = State::PathStart;
        } else {
          if (c == '[') insideBrackets = true;
          if (c == ']') insideBrackets = false;
          buffer += static_cast<char>(c);
        }
        break;

      case State::Port:
        if (isDigit(c)) {
          buffer += static_cast<char>(c);
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || (special() && c == '\\')) {
          if (!buffer.empty()) {
            unsigned long port = 0;
            for (char d : buffer) {
              port = port * 10 + static_cast<unsigned long>(d - '0');
              if (port > 65535) return false;
            }
            if (static_cast<int>(port) == defaultPort(url_.scheme_)) {
              url_.port_.reset();
            } else {
              url_.port_ = static_cast<std::uint16_t>(port);
            }
            buffer.clear();
          }
          state = State::PathStart;
          --p;
        } else {
          return false;
        }
        break;

      case State::File:
        url_.scheme_ = "file";
        url_.host_ = std::string();
        if (c == '/' || c == '\\') {
          state = State::FileSlash;
        } else if (base_ && base_->scheme_ == "file") {
          url_.host_ = base_->host_;
          url_.path_ = base_->path_;
          url_.query_ = base_->query_;
          if (c == '?') {
            url_.query_ = std::string();
            state = State::Query;
          } else if (c == '#') {
            url_.fragment_ = std::string();
            state = State::Fragment;
          } else if (c != kEof) {
            url_.query_.reset();
            if (!startsWithWindowsDriveLetter(
                    std::string_view(s_).substr(static_cast<std::size_t>(p)))) {
              shortenPath();
            } else {
              url_.path_.clear();
            }
            state = State::Path;
            --p;
          }
        } else {
          state = State::Path;
          --p;
        }
        break;

      case State::FileSlash:
        if (c == '/' || c == '\\') {
          state = State::FileHost;
        } else {
          if (base_ && base_->scheme_ == "file") {
            url_.host_ = base_->host_;
            if (!startsWithWindowsDriveLetter(
                    std::string_view(s_).substr(static_cast<std::size_t>(p))) &&
                !base_->path_.empty() && isNormalizedWindowsDriveLetter(base_->path_[0])) {
              url_.path_.push_back(base_->path_[0]);
            }
          }
          state = State::Path;
          --p;
        }
        break;

      case State::FileHost:
        if (c == kEof || c == '/' || c == '\\' || c == '?' || c == '#') {
          --p;
          if (isWindowsDriveLetter(buffer)) {
            state = State::Path;  // the buffer is the path's first segment
          } else if (buffer.empty()) {
            url_.host_ = std::string();
            state = State::PathStart;
          } else {
            auto host = detail::parseHost(buffer, false);
            if (!host) return false;
            if (*host == "localhost") host->clear();
            url_.host_ = std::move(*host);
            buffer.clear();
            state = State::PathStart;
          }
        } else {
          buffer += static_cast<char>(c);
        }
        break;

      case State::PathStart:
        if (special()) {
          state = State::Path;
          if (c != '/' && c != '\\') --p;
        } else if (c == '?') {
          url_.query_ = std::string();
          state = State::Query;
        } else if (c == '#') {
          url_.fragment_ = std::string();
          state = State::Fragment;
        } else if (c != kEof) {
          state = State::Path;
          if (c != '/') --p;
        }
        break;

      case State::Path:
        if (c == kEof || c == '/' || (special() && c == '\\') || c == '?' || c == '#') {
          const bool slash = c == '/' || (special() && c == '\\');
          if (isDoubleDot(buffer)) {
            shortenPath();
            if (!slash) url_.path_.emplace_back();
          } else if (isSingleDot(buffer) && !slash) {
            url_.path_.emplace_back();
          } else if (!isSingleDot(buffer)) {
            if (url_.scheme_ == "file" && url_.path_.empty() && isWindowsDriveLetter(buffer)) {
              buffer[1] = ':';
            }
            url_.path_.push_back(std::move(buffer));
          }
          buffer.clear();
          if (c == '?') {
            url_.query_ = std::string();
            state = State::Query;
          } else if (c == '#') {
            url_.fragment_ = std::string();
            state = State::Fragment;
          }
        } else {
          appendEncoded(buffer, static_cast<unsigned char>(c), EncodeSet::Path);
        }
        break;

      case State::OpaquePath:
        if (c == '?') {
          url_.query_ = std::string();
          state = State::Query;
        } else if (c == '#') {
          url_.fragment_ = std::string();
          state = State::Fragment;
        } else if (c != kEof) {
          appendEncoded(url_.path_[0], static_cast<unsigned char>(c), EncodeSet::C0Control);
        }
        break;

      case State::Query:
        if (c == kEof || c == '#') {
          appendEncoded(*url_.query_, buffer,
                        special() ? EncodeSet::SpecialQuery : EncodeSet::Query);
          buffer.clear();
          if (c == '#') {
            url_.fragment_ = std::string();
            state = State::Fragment;
          }
        } else {
          buffer += static_cast<char>(c);
        }
        break;

      case State::Fragment:
        if (c != kEof) {
          appendEncoded(*url_.fragment_, static_cast<unsigned char>(c), EncodeSet::Fragment);
        }
        break;
    }
  }
  return true;
}

// ---- Url ----

Url::Url(std::string_view input) {
  auto u = UrlParser::run(input, nullptr);
  if (!u) throw InvalidUrlError(std::string(input));
  *this = std::move(*u);
}

Url::Url(std::string_view input, std::string_view base) {
  auto b = UrlParser::run(base, nullptr);
  if (!b) throw InvalidUrlError(std::string(input), std::string(base));
  auto u = UrlParser::run(input, &*b);
  if (!u) throw InvalidUrlError(std::string(input), std::string(base));
  *this = std::move(*u);
}

Url::Url(std::string_view input, const Url& base) {
  auto u = UrlParser::run(input, &base);
  if (!u) throw InvalidUrlError(std::string(input), base.href());
  *this = std::move(*u);
}

std::optional<Url> Url::parse(std::string_view input, const Url* base) {
  return UrlParser::run(input, base);
}

bool Url::canParse(std::string_view input, std::string_view base) {
  if (base.empty()) return UrlParser::run(input, nullptr).has_value();
  auto b = UrlParser::run(base, nullptr);
  return b && UrlParser::run(input, &*b).has_value();
}

bool Url::isSpecial() const noexcept { return isSpecialScheme(scheme_); }

std::string Url::href() const {
  std::string out = scheme_;
  out += ':';
  if (host_) {
    out += "//";
    if (!username_.empty() || !password_.empty()) {
      out += username_;
      if (!password_.empty()) {
        out += ':';
        out += password_;
      }
      out += '@';
    }
    out += *host_;
    if (port_) {
      out += ':';
      out += std::to_string(*port_);
    }
  } else if (!opaquePath_ && path_.size() > 1 && path_[0].empty()) {
    out += "/.";  // keeps "web+demo:/.//not-a-host/" from reparsing with a host
  }
  out += pathname();
  if (query_) {
    out += '?';
    out += *query_;
  }
  if (fragment_) {
    out += '#';
    out += *fragment_;
  }
  return out;
}

std::string Url::origin() const {
  if (scheme_ == "blob") {
    auto inner = UrlParser::run(pathname(), nullptr);
    if (inner && (inner->scheme_ == "http" || inner->scheme_ == "https")) return inner->origin();
    return "null";
  }
  if (scheme_ == "http" || scheme_ == "https" || scheme_ == "ws" || scheme_ == "wss" ||
      scheme_ == "ftp") {
    return scheme_ + "://" + host();
  }
  return "null";
}

std::string Url::host() const {
  if (!host_) return {};
  if (!port_) return *host_;
  return *host_ + ":" + std::to_string(*port_);
}

std::string Url::port() const { return port_ ? std::to_string(*port_) : std::string(); }

std::uint16_t Url::effectivePort() const noexcept {
  if (port_) return *port_;
  int d = defaultPort(scheme_);
  return d < 0 ? 0 : static_cast<std::uint16_t>(d);
}

std::string Url::pathname() const {
  if (opaquePath_) return path_.empty() ? std::string() : path_[0];
  std::string out;
  for (const auto& segment : path_) {
    out += '/';
    out += segment;
  }
  return out;
}

std::string Url::search() const {
  return query_ && !query_->empty() ? "?" + *query_ : std::string();
}

std::string Url::hash() const {
  return fragment_ && !fragment_->empty() ? "#" + *fragment_ : std::string();
}

URLSearchParams Url::searchParams() const {
  return query_ ? URLSearchParams(*query_) : URLSearchParams();
}

void Url::setSearch(std::string_view search) {
  if (!search.empty() && search[0] == '?') search.remove_prefix(1);
  if (search.empty()) {
    query_.reset();
    return;
  }
  std::string q;
  for (char c : search) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    appendEncoded(q, static_cast<unsigned char>(c),
                  isSpecial() ? EncodeSet::SpecialQuery : EncodeSet::Query);
  }
  query_ = std::move(q);
}

void Url::setSearchParams(const URLSearchParams& params) {
  auto text = params.toString();
  if (text.empty()) {
    query_.reset();
  } else {
    query_ = std::move(text);
  }
}

void Url::setHash(std::string_view hash) {
  if (!hash.empty() && hash[0] == '#') hash.remove_prefix(1);
  if (hash.empty()) {
    fragment_.reset();
    return;
  }
  std::string f;
  for (char c : hash) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    appendEncoded(f, static_cast<unsigned char>(c), EncodeSet::Fragment);
  }
  fragment_ = std::move(f);
}

}  // namespace nx::http
