// SPDX-License-Identifier: MIT
#include "nodexx/web/internal/route_pattern.hpp"

#include <functional>
#include <string>
#include <utility>

namespace nx::web {

RoutePatternError::RoutePatternError(const std::string& message, std::size_t position)
    : SystemError("ERR_ROUTE_PATTERN", message), position_(position) {}

}  // namespace nx::web

namespace nx::web::detail {
namespace {

// path-to-regexp's limit on the alternatives one pattern expands to.
constexpr std::size_t kMaxAlternatives = 256;
// Groups nest at most this deep: deeper nesting could not stay under kMaxAlternatives
// anyway (each level adds one alternative), and the parser recurses per level.
constexpr std::size_t kMaxGroupDepth = kMaxAlternatives;

// A token of the parse tree: text, a capture, or an optional group of tokens.
struct RawToken {
  enum class Kind : std::uint8_t { Text, Param, Wildcard, Group };
  Kind kind;
  std::string value;  // text, or the capture's name
  std::vector<RawToken> children;
};

char asciiLower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string lowered(std::string s) {
  for (char& c : s) c = asciiLower(c);
  return s;
}

// Decodes the UTF-8 sequence at `i` (advancing it). A byte that does not start a valid
// sequence stands for itself as U+FFFD, which is no identifier character, so broken UTF-8 in a
// pattern is text, never part of a name.
char32_t nextCodePoint(std::string_view s, std::size_t& i) noexcept {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (std::size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (d & 0x3Fu);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += n;
  return cp;
}

[[noreturn]] void fail(std::string_view pattern, std::size_t position, std::string_view what,
                       std::string_view hint = {}) {
  std::string message(what);
  message += " at ";
  message += std::to_string(position);
  message += " in \"";
  message += pattern;
  message += '"';
  if (!hint.empty()) {
    message += ": ";
    message += hint;
  }
  throw RoutePatternError(message, position);
}

// path-to-regexp's parse(): a recursive descent over the pattern, one level per `{}` group.
class Parser {
 public:
  explicit Parser(std::string_view pattern) : s_(pattern) {}

  std::vector<RawToken> parse() { return consumeUntil(false, 0); }

 private:
  std::vector<RawToken> consumeUntil(bool inGroup, std::size_t depth) {
    std::vector<RawToken> out;
    std::string text;
    auto writeText = [&] {
      if (text.empty()) return;
      out.push_back({RawToken::Kind::Text, std::move(text), {}});
      text.clear();
    };
    const std::size_t groupStart = i_ == 0 ? 0 : i_ - 1;
    while (i_ < s_.size()) {
      const std::size_t at = i_;
      const char c = s_[i_++];
      if (inGroup && c == '}') {
        writeText();
        return out;
      }
      if (c == '\\') {
        if (i_ == s_.size()) {
          fail(s_, at, "Unexpected end after \\", "write \\\\ to match a backslash");
        }
        const std::size_t from = i_;
        nextCodePoint(s_, i_);
        text.append(s_.substr(from, i_ - from));
        continue;
      }
      if (c == ':' || c == '*') {
        std::string name = readName(c);
        writeText();
        out.push_back(
            {c == ':' ? RawToken::Kind::Param : RawToken::Kind::Wildcard, std::move(name), {}});
        continue;
      }
      if (c == '{') {
        if (depth + 1 >= kMaxGroupDepth) {
          fail(s_, at, "Too deeply nested {", "optional groups nest at most 255 deep");
        }
        writeText();
        out.push_back({RawToken::Kind::Group, {}, consumeUntil(true, depth + 1)});
        continue;
      }
      switch (c) {
        case '?':
          fail(s_, at, "Unexpected ?",
               "optional parts are written in braces: /users{/:id} instead of /users/:id?, "
               "and \\? matches a literal ?");
        case '+':
          fail(s_, at, "Unexpected +",
               "one or more segments is a named wildcard: /*path instead of /:path+, "
               "and \\+ matches a literal +");
        case '(':
        case ')':
          fail(s_, at, std::string("Unexpected ") + c,
               "regular expressions are not supported in route strings: capture a :param and "
               "validate it in a handler or router.param(), or escape with \\");
        case '[':
        case ']':
        case '!':
          fail(s_, at, std::string("Unexpected ") + c,
               "this character is reserved: escape it with \\ to match it literally");
        case '}':
          fail(s_, at, "Unexpected }",
               "no { opens this group: escape it as \\} to match it literally");
        default:
          break;
      }
      text += c;
    }
    if (inGroup) {
      fail(s_, groupStart, "Unexpected end, expected }", "close the optional group with }");
    }
    writeText();
    return out;
  }

  // The name after `:` or `*`: an identifier, or a double-quoted string with `\` escapes.
  std::string readName(char sigil) {
    const std::size_t at = i_ - 1;
    std::string name;
    if (i_ < s_.size() && s_[i_] == '"') {
      ++i_;
      while (true) {
        if (i_ >= s_.size()) {
          fail(s_, at + 1, "Unterminated quote", "close the quoted name with \"");
        }
        char c = s_[i_];
        if (c == '"') {
          ++i_;
          break;
        }
        if (c == '\\') {
          ++i_;
          if (i_ >= s_.size()) {
            fail(s_, at + 1, "Unterminated quote", "close the quoted name with \"");
          }
        }
        const std::size_t from = i_;
        nextCodePoint(s_, i_);
        name.append(s_.substr(from, i_ - from));
      }
    } else {
      std::size_t j = i_;
      if (j < s_.size() && isIdentifierStart(nextCodePoint(s_, j))) {
        i_ = j;
        while (i_ < s_.size()) {
          j = i_;
          if (!isIdentifierPart(nextCodePoint(s_, j))) break;
          i_ = j;
        }
        name.assign(s_.substr(at + 1, i_ - at - 1));
      }
    }
    if (name.empty()) {
      if (sigil == '*') {
        fail(s_, i_, "Missing parameter name",
             "a wildcard needs a name: write /*splat (or {/*splat} to also match the bare "
             "path) instead of /*");
      }
      fail(s_, i_, "Missing parameter name",
           "parameter names are JavaScript identifiers; quote others as :\"name\", and "
           "escape a literal colon as \\:");
    }
    return name;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// A flattened token before the capture rules are computed.
struct FlatToken {
  RawToken::Kind kind;
  const std::string* value;
};

// path-to-regexp's flatten(): every way to take or leave each group, taken first.
class Flattener {
 public:
  Flattener(std::string_view pattern, std::vector<std::vector<FlatToken>>& out)
      : pattern_(pattern), out_(out) {}

  void run(const std::vector<RawToken>& tokens) {
    std::vector<FlatToken> seq;
    // A continuation stack stands for the tokens that follow each open group.
    std::vector<std::pair<const std::vector<RawToken>*, std::size_t>> rest;
    walk(tokens, 0, seq, rest);
  }

 private:
  using Rest = std::vector<std::pair<const std::vector<RawToken>*, std::size_t>>;

  void walk(const std::vector<RawToken>& tokens, std::size_t index, std::vector<FlatToken>& seq,
            Rest& rest) {
    const std::size_t mark = seq.size();
    while (index < tokens.size()) {
      const RawToken& t = tokens[index++];
      if (t.kind == RawToken::Kind::Group) {
        rest.emplace_back(&tokens, index);
        walk(t.children, 0, seq, rest);
        rest.pop_back();
        continue;  // and then the same sequence without the group
      }
      seq.push_back({t.kind, &t.value});
    }
    if (rest.empty()) {
      if (out_.size() >= kMaxAlternatives) {
        fail(pattern_, 0, "Too many path combinations",
             "optional groups expand to at most 256 alternatives; use fewer {...} groups");
      }
      out_.push_back(seq);
    } else {
      auto [next, at] = rest.back();
      rest.pop_back();
      walk(*next, at, seq, rest);
      rest.emplace_back(next, at);
    }
    seq.resize(mark);
  }

  std::string_view pattern_;
  std::vector<std::vector<FlatToken>>& out_;
};

CaptureOption run(std::string a, std::string b) {
  CaptureOption o;
  if (a == b) b.clear();
  o.forbid1 = std::move(a);
  o.forbid2 = std::move(b);
  return o;
}

CaptureOption literal(std::string text) {
  CaptureOption o;
  o.isLiteral = true;
  o.literal = std::move(text);
  return o;
}

// path-to-regexp's toRegExpSource(): decides, per capture, which characters it may consume
// so that it does not run over the text or captures after it.
PatternAlternative compileSequence(std::string_view pattern, const std::vector<FlatToken>& flat,
                                   bool caseSensitive) {
  // Adjacent text (from groups) is merged first; the rules below only look at concatenations.
  std::vector<FlatToken> tokens;
  std::vector<std::string> merged;
  merged.reserve(flat.size());
  for (const FlatToken& t : flat) {
    if (t.kind == RawToken::Kind::Text && !tokens.empty() &&
        tokens.back().kind == RawToken::Kind::Text) {
      merged.back() += *t.value;
      continue;
    }
    if (t.kind == RawToken::Kind::Text) {
      merged.push_back(*t.value);
      tokens.push_back({t.kind, &merged.back()});
    } else {
      tokens.push_back(t);
    }
  }

  auto hasWildcardLaterInSegment = [&](std::size_t index) {
    for (; index < tokens.size(); ++index) {
      if (tokens[index].kind == RawToken::Kind::Wildcard) return true;
      if (tokens[index].kind == RawToken::Kind::Text &&
          tokens[index].value->find('/') != std::string::npos) {
        break;
      }
    }
    return false;
  };
  auto peekText = [&](std::size_t index) -> std::string {
    if (index < tokens.size() && tokens[index].kind == RawToken::Kind::Text) {
      return *tokens[index].value;
    }
    return {};
  };

  PatternAlternative out;
  std::string backtrack;
  std::string wildcardBacktrack;
  int prevCaptureType = 0;
  int segmentCaptures = 0;
  for (std::size_t index = 0; index < tokens.size();) {
    const FlatToken& t = tokens[index++];
    if (t.kind == RawToken::Kind::Text) {
      PatternToken pt;
      pt.kind = PatternToken::Kind::Text;
      pt.text = caseSensitive ? *t.value : lowered(*t.value);
      out.push_back(std::move(pt));
      backtrack += *t.value;
      if (prevCaptureType == 2) wildcardBacktrack += *t.value;
      if (t.value->find('/') != std::string::npos) segmentCaptures = 0;
      continue;
    }
    if (prevCaptureType != 0 && backtrack.empty()) {
      fail(pattern, 0, "Missing text before \"" + *t.value + "\"",
           "two parameters need text between them, e.g. /:from-:to");
    }
    PatternToken pt;
    pt.name = *t.value;
    if (t.kind == RawToken::Kind::Param) {
      pt.kind = PatternToken::Kind::Param;
      if (segmentCaptures & 2) {
        pt.options.push_back(run("/", backtrack));
      } else if (hasWildcardLaterInSegment(index)) {
        pt.options.push_back(run("/", peekText(index)));
      } else if (segmentCaptures & 1) {
        pt.options.push_back(run("/", backtrack));
        pt.options.push_back(literal(backtrack));
      } else {
        pt.options.push_back(run("/", ""));
      }
      segmentCaptures |= prevCaptureType = 1;
    } else {
      pt.kind = PatternToken::Kind::Wildcard;
      if (segmentCaptures & 2) {
        pt.options.push_back(run(backtrack, ""));
      } else if (!wildcardBacktrack.empty()) {
        pt.options.push_back(run(wildcardBacktrack, ""));
        pt.options.push_back(run("/", ""));
      } else {
        pt.options.push_back(run("", ""));
      }
      wildcardBacktrack.clear();
      segmentCaptures |= prevCaptureType = 2;
    }
    if (!caseSensitive) {
      for (CaptureOption& o : pt.options) {
        o.forbid1 = lowered(std::move(o.forbid1));
        o.forbid2 = lowered(std::move(o.forbid2));
        o.literal = lowered(std::move(o.literal));
      }
    }
    out.push_back(std::move(pt));
    backtrack.clear();
  }
  return out;
}

}  // namespace

std::vector<PatternAlternative> compileRoutePattern(std::string_view pattern, bool caseSensitive,
                                                    bool strict) {
  // router's loosen(): without strict routing, trailing slashes of the pattern go ("/" stays).
  if (!strict && pattern != "/") {
    while (!pattern.empty() && pattern.back() == '/') pattern.remove_suffix(1);
  }
  const std::vector<RawToken> tokens = Parser(pattern).parse();
  std::vector<std::vector<FlatToken>> flat;
  Flattener(pattern, flat).run(tokens);
  std::vector<PatternAlternative> out;
  out.reserve(flat.size());
  for (const auto& seq : flat) out.push_back(compileSequence(pattern, seq, caseSensitive));
  return out;
}

}  // namespace nx::web::detail
