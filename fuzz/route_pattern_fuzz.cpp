// SPDX-License-Identifier: MIT
// libFuzzer target for the route pattern compiler and RouteTree. Input: one options byte
// (bit 0 case-sensitive, bit 1 strict, bit 2 prefix match), then the pattern, then paths, all
// separated by NUL bytes. Adding the pattern must succeed or throw RoutePatternError; each path
// must then match without crashing and agree with two reference matchers: a naive one that
// tries the compiled alternatives one by one (checks the tree against the compiled
// semantics), and, for patterns made only of `/text` and `/:name` segments, a segment-by-segment
// matcher written from Express's documentation (checks the compiler too). A disagreement
// prints what failed and traps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/web/internal/route_pattern.hpp"
#include "nodexx/web/internal/route_tree.hpp"

namespace {

using nx::web::RoutePatternError;
using namespace nx::web::detail;

void require(bool ok, const char* what, std::string_view pattern, std::string_view path) {
  if (ok) return;
  std::fprintf(stderr, "route_pattern_fuzz: %s [pattern %.*s] [path %.*s]\n", what,
               static_cast<int>(pattern.size()), pattern.data(), static_cast<int>(path.size()),
               path.data());
  __builtin_trap();
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool at(std::string_view path, std::size_t pos, std::string_view text, bool cs) {
  if (text.empty() || path.size() - pos < text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((cs ? path[pos + i] : lower(path[pos + i])) != text[i]) return false;
  }
  return true;
}

struct Result {
  bool matched = false;
  std::size_t length = 0;
  std::vector<std::pair<std::string, std::string>> params;  // every capture, in order
};

// The naive matcher: a direct transcription of the regular expression, one alternative at a
// time, with no tree and no shortcuts.
struct Naive {
  std::string_view path;
  bool cs, strict, end;
  std::vector<std::pair<std::string, std::string>> caps;

  bool finish(std::size_t pos, std::size_t& length) const {
    const std::string_view rest = path.substr(pos);
    if (!strict && rest == "/") {
      length = path.size();
      return true;
    }
    if (rest.empty() || (!end && rest[0] == '/')) {
      length = pos;
      return true;
    }
    return false;
  }

  bool run(const PatternAlternative& alt, std::size_t tok, std::size_t pos, std::size_t& length) {
    if (tok == alt.size()) return finish(pos, length);
    const PatternToken& t = alt[tok];
    if (t.kind == PatternToken::Kind::Text) {
      return at(path, pos, t.text, cs) && run(alt, tok + 1, pos + t.text.size(), length);
    }
    for (const CaptureOption& o : t.options) {
      if (o.isLiteral) {
        if (!at(path, pos, o.literal, cs)) continue;
        caps.emplace_back(t.name, std::string(path.substr(pos, o.literal.size())));
        if (run(alt, tok + 1, pos + o.literal.size(), length)) return true;
        caps.pop_back();
        continue;
      }
      std::size_t k = 0;
      while (pos + k < path.size() && !at(path, pos + k, o.forbid1, cs) &&
             !at(path, pos + k, o.forbid2, cs)) {
        ++k;
      }
      for (; k > 0; --k) {
        caps.emplace_back(t.name, std::string(path.substr(pos, k)));
        if (run(alt, tok + 1, pos + k, length)) return true;
        caps.pop_back();
      }
    }
    return false;
  }
};

// Keeps the last value of each name, in order of first appearance (Express's params).
std::vector<std::pair<std::string, std::string>> dedupe(
    const std::vector<std::pair<std::string, std::string>>& caps) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : caps) {
    bool seen = false;
    for (auto& o : out) {
      if (o.first == c.first) {
        o.second = c.second;
        seen = true;
      }
    }
    if (!seen) out.push_back(c);
  }
  return out;
}

// For patterns of `/text` and `/:name` segments only (identifier names, plain text): split
// both at `/` and compare segment by segment. Returns false when the pattern is not simple.
bool simpleMatch(std::string_view pattern, std::string_view path, bool cs, bool strict, bool end,
                 Result& r) {
  if (pattern.empty() || pattern[0] != '/') return false;
  if (!strict) {
    while (pattern.size() > 1 && pattern.back() == '/') pattern.remove_suffix(1);
  }
  if (pattern == "/") return false;
  std::vector<std::string_view> segs;
  for (std::size_t i = 1; i <= pattern.size();) {
    std::size_t j = pattern.find('/', i);
    if (j == std::string_view::npos) j = pattern.size();
    std::string_view s = pattern.substr(i, j - i);
    if (s.empty()) return false;
    const bool param = s[0] == ':';
    for (std::size_t k = param ? 1 : 0; k < s.size(); ++k) {
      const char c = s[k];
      const bool ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                         (k > 1 && c >= '0' && c <= '9');
      const bool text = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
      if (param ? !ident : !text) return false;
    }
    if (param && s.size() == 1) return false;
    segs.push_back(s);
    i = j + 1;
  }
  r = {};
  std::size_t pos = 0;
  for (std::string_view s : segs) {
    if (pos >= path.size() || path[pos] != '/') return true;
    std::size_t e = path.find('/', pos + 1);
    if (e == std::string_view::npos) e = path.size();
    std::string_view got = path.substr(pos + 1, e - pos - 1);
    if (s[0] == ':') {
      if (got.empty()) return true;
      r.params.emplace_back(std::string(s.substr(1)), std::string(got));
    } else {
      if (got.size() != s.size()) return true;
      for (std::size_t k = 0; k < s.size(); ++k) {
        if ((cs ? got[k] : lower(got[k])) != (cs ? s[k] : lower(s[k]))) return true;
      }
    }
    pos = e;
  }
  const std::string_view rest = path.substr(pos);
  if (!strict && rest == "/") {
    r.matched = true;
    r.length = path.size();
  } else if (rest.empty() || (!end && rest[0] == '/')) {
    r.matched = true;
    r.length = pos;
  }
  r.params = dedupe(r.params);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool cs = data[0] & 1, strict = data[0] & 2, prefix = data[0] & 4;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> parts;
  for (std::size_t i = 0;;) {
    const std::size_t j = input.find('\0', i);
    parts.push_back(input.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  const std::string_view pattern = parts[0];
  const MatchKind kind = prefix ? MatchKind::Prefix : MatchKind::Exact;

  RouteTree tree({.caseSensitive = cs, .strict = strict});
  std::vector<PatternAlternative> alts;
  try {
    tree.add(pattern, kind, 1);
    if (!(prefix && pattern == "/")) alts = compileRoutePattern(pattern, cs, strict);
  } catch (const RoutePatternError& e) {
    require(e.code() == "ERR_ROUTE_PATTERN", "wrong error code", pattern, {});
    require(tree.size() == 0, "a rejected pattern changed the tree", pattern, {});
    return 0;
  }
  // Neighbours that share prefixes with the pattern exercise edge splitting.
  tree.add("/", MatchKind::Prefix, 2);
  tree.add(pattern.substr(0, pattern.size() / 2).find_first_of("\\{}:*()[]?+!\"") ==
                   std::string_view::npos
               ? pattern.substr(0, pattern.size() / 2)
               : std::string_view("/x"),
           MatchKind::Exact, 3);

  MatchSet set;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view path = parts[i];
    set.clear();
    tree.match(path, set);
    require(!set.matches.empty() && set.matches.back().id >= 2, "use(\"/\") did not match", pattern,
            path);
    const Match* mine = set.matches[0].id == 1 ? &set.matches[0] : nullptr;
    for (std::size_t k = 1; k < set.matches.size(); ++k) {
      require(set.matches[k - 1].id < set.matches[k].id, "ids out of order", pattern, path);
    }

    Result naive;
    if (prefix && pattern == "/") {
      naive.matched = true;
    } else {
      for (const PatternAlternative& alt : alts) {
        Naive n{path, cs, strict, !prefix, {}};
        std::size_t length = 0;
        if (n.run(alt, 0, 0, length)) {
          naive.matched = true;
          naive.length = length;
          naive.params = dedupe(n.caps);
          break;
        }
      }
    }
    require(naive.matched == (mine != nullptr), "tree and naive matcher disagree", pattern, path);
    Result simple;
    if (simpleMatch(pattern, path, cs, strict, !prefix, simple)) {
      require(simple.matched == naive.matched, "segment matcher disagrees", pattern, path);
      if (simple.matched) {
        require(simple.length == naive.length && simple.params == naive.params,
                "segment matcher captures differ", pattern, path);
      }
    }
    if (!mine) continue;
    require(mine->matchedLength == naive.length, "matched length differs", pattern, path);
    require(mine->paramCount == naive.params.size(), "param count differs", pattern, path);
    for (std::uint32_t k = 0; k < mine->paramCount; ++k) {
      const Param& p = set.params[mine->firstParam + k];
      require(p.name == naive.params[k].first && p.value == naive.params[k].second, "param differs",
              pattern, path);
      require(p.value.data() >= path.data() &&
                  p.value.data() + p.value.size() <= path.data() + path.size(),
              "param value does not view the path", pattern, path);
    }
  }
  return 0;
}
