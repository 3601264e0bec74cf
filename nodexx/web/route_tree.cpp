// SPDX-License-Identifier: MIT
#include "nodexx/web/internal/route_tree.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <utility>

namespace nx::web::detail {
namespace {

constexpr std::uint32_t kNoId = 0xFFFFFFFFu;

inline char asciiLower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// Whether `text` (already lower-cased when !caseSensitive) occurs in `path` at `pos`.
inline bool startsWith(std::string_view path, std::size_t pos, std::string_view text,
                       bool caseSensitive) noexcept {
  if (path.size() - pos < text.size()) return false;
  if (caseSensitive) return std::memcmp(path.data() + pos, text.data(), text.size()) == 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (asciiLower(path[pos + i]) != text[i]) return false;
  }
  return true;
}

// A capture that consumes exactly one path segment: path-to-regexp's `[^/]+` followed by a
// `/` or the end. Greedy matching can never give back a byte there (the next token needs a
// `/`, the end check needs the end or a `/`), so the tree can take the whole segment without
// backtracking.
bool isSegmentParam(const PatternAlternative& tokens, std::size_t i) {
  const PatternToken& t = tokens[i];
  if (t.kind != PatternToken::Kind::Param || t.options.size() != 1) return false;
  const CaptureOption& o = t.options[0];
  if (o.isLiteral || o.forbid1 != "/" || !o.forbid2.empty()) return false;
  if (i + 1 == tokens.size()) return true;
  const PatternToken& next = tokens[i + 1];
  return next.kind == PatternToken::Kind::Text && !next.text.empty() && next.text[0] == '/';
}

}  // namespace

struct RouteTree::Impl {
  // One alternative of one added pattern.
  struct Alt {
    std::uint32_t id = 0;
    std::uint32_t alternative = 0;
    bool end = true;
    // Captures taken by param nodes of the tree before `tail` starts.
    std::uint32_t treeCaptures = 0;
    // The tokens matched by backtracking from the node the alternative hangs on.
    PatternAlternative tail;
    // Per capture index: its name (stable storage) and whether it is a wildcard.
    std::vector<std::pair<std::string_view, bool>> captures;
    // The capture indexes reported, one per distinct name, in order of first appearance, each
    // the last capture of that name (Express's params object).
    std::vector<std::uint32_t> outputs;
  };

  struct Node {
    std::string label;   // the static text on the edge from the parent (lower-cased if !cs)
    std::string firsts;  // first byte of each child's label, parallel to `children`
    std::vector<std::unique_ptr<Node>> children;
    std::unique_ptr<Node> param;           // a segment parameter
    std::vector<std::uint32_t> terminals;  // alternatives that end here
    std::vector<std::uint32_t> tails;      // alternatives that go on by backtracking from here
  };

  // Per-call state of match().
  struct Walk {
    std::string_view path;
    MatchSet& out;
    std::uint32_t* caps;  // begin/end pairs, indexed by capture
  };

  MatchOptions options;
  Node root;
  std::vector<Alt> alts;
  // use("/") entries, as the Match each reports (every path, length 0, no params): match()
  // copies them out in one go.
  std::vector<Match> matchAll;
  std::deque<std::string> names;  // deque: views into it stay valid as it grows
  std::size_t count = 0;
  std::uint32_t lastId = kNoId;
  std::uint32_t nextAlternative = 0;
  std::uint32_t maxCaptures = 0;

  Node* insertStatic(Node* node, std::string_view text) {
    while (!text.empty()) {
      const std::size_t at = node->firsts.find(text[0]);
      if (at == std::string::npos) {
        auto child = std::make_unique<Node>();
        child->label.assign(text);
        Node* raw = child.get();
        node->firsts += text[0];
        node->children.push_back(std::move(child));
        return raw;
      }
      Node* child = node->children[at].get();
      std::size_t common = 0;
      const std::size_t limit = std::min(child->label.size(), text.size());
      while (common < limit && child->label[common] == text[common]) ++common;
      if (common < child->label.size()) {
        // Split the edge: a new node takes the common part and adopts the old child.
        auto mid = std::make_unique<Node>();
        mid->label = child->label.substr(0, common);
        std::unique_ptr<Node> old = std::move(node->children[at]);
        old->label.erase(0, common);
        mid->firsts += old->label[0];
        mid->children.push_back(std::move(old));
        child = mid.get();
        node->children[at] = std::move(mid);
      }
      node = child;
      text.remove_prefix(common);
    }
    return node;
  }

  void insert(Alt alt, const PatternAlternative& tokens) {
    const auto index = static_cast<std::uint32_t>(alts.size());
    Node* node = &root;
    std::size_t i = 0;
    for (; i < tokens.size(); ++i) {
      if (tokens[i].kind == PatternToken::Kind::Text) {
        node = insertStatic(node, tokens[i].text);
      } else if (isSegmentParam(tokens, i)) {
        if (!node->param) node->param = std::make_unique<Node>();
        node = node->param.get();
        ++alt.treeCaptures;
      } else {
        break;
      }
    }
    alt.tail.assign(tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.end());
    (i == tokens.size() ? node->terminals : node->tails).push_back(index);
    alts.push_back(std::move(alt));
  }

  // The end of the regular expression after the alternative: `(?:/$)?$` for routes,
  // `(?:/$)?(?=/|$)` for prefixes (without `(?:/$)?` under strict routing). Returns the
  // length of the whole match, or npos.
  std::size_t finish(std::string_view path, bool end, std::size_t pos) const noexcept {
    const std::size_t rest = path.size() - pos;
    if (rest == 0) return pos;
    if (!options.strict && rest == 1 && path[pos] == '/') return path.size();
    if (!end && path[pos] == '/') return pos;
    return std::string_view::npos;
  }

  // How many bytes from `pos` a run capture may take: up to where a forbidden string starts.
  std::size_t runLength(std::string_view path, std::size_t pos,
                        const CaptureOption& o) const noexcept {
    const bool cs = options.caseSensitive;
    if (o.forbid1.size() <= 1 && o.forbid2.size() <= 1) {
      const char a = o.forbid1.empty() ? '\0' : o.forbid1[0];
      const char b = o.forbid2.empty() ? a : o.forbid2[0];
      if (o.forbid1.empty() && o.forbid2.empty()) return path.size() - pos;
      const bool hasA = !o.forbid1.empty();
      const bool hasB = !o.forbid2.empty();
      std::size_t p = pos;
      for (; p < path.size(); ++p) {
        const char c = cs ? path[p] : asciiLower(path[p]);
        if ((hasA && c == a) || (hasB && c == b)) break;
      }
      return p - pos;
    }
    std::size_t p = pos;
    for (; p < path.size(); ++p) {
      if (!o.forbid1.empty() && startsWith(path, p, o.forbid1, cs)) break;
      if (!o.forbid2.empty() && startsWith(path, p, o.forbid2, cs)) break;
    }
    return p - pos;
  }

  // The tail of `alt` from token `tok` at `pos`, in the regular expression's order: each
  // capture option in turn, runs longest first. Captures go to w.caps from index `cap`.
  // Returns the length of the whole match, or npos.
  std::size_t matchTail(Walk& w, const Alt& alt, std::size_t tok, std::size_t pos,
                        std::uint32_t cap) const noexcept {
    if (tok == alt.tail.size()) return finish(w.path, alt.end, pos);
    const PatternToken& t = alt.tail[tok];
    if (t.kind == PatternToken::Kind::Text) {
      if (!startsWith(w.path, pos, t.text, options.caseSensitive)) return std::string_view::npos;
      return matchTail(w, alt, tok + 1, pos + t.text.size(), cap);
    }
    for (const CaptureOption& o : t.options) {
      if (o.isLiteral) {
        if (!startsWith(w.path, pos, o.literal, options.caseSensitive)) continue;
        w.caps[2 * cap] = static_cast<std::uint32_t>(pos);
        w.caps[2 * cap + 1] = static_cast<std::uint32_t>(pos + o.literal.size());
        const std::size_t m = matchTail(w, alt, tok + 1, pos + o.literal.size(), cap + 1);
        if (m != std::string_view::npos) return m;
        continue;
      }
      for (std::size_t k = runLength(w.path, pos, o); k > 0; --k) {
        w.caps[2 * cap] = static_cast<std::uint32_t>(pos);
        w.caps[2 * cap + 1] = static_cast<std::uint32_t>(pos + k);
        const std::size_t m = matchTail(w, alt, tok + 1, pos + k, cap + 1);
        if (m != std::string_view::npos) return m;
      }
    }
    return std::string_view::npos;
  }

  void emit(Walk& w, std::uint32_t index, std::size_t matched) const {
    const Alt& alt = alts[index];
    Match m;
    m.id = alt.id;
    m.matchedLength = static_cast<std::uint32_t>(matched);
    m.firstParam = static_cast<std::uint32_t>(w.out.params.size());
    m.paramCount = static_cast<std::uint32_t>(alt.outputs.size());
    m.alternative = alt.alternative;
    for (std::uint32_t c : alt.outputs) {
      const std::uint32_t b = w.caps[2 * c];
      const std::uint32_t e = w.caps[2 * c + 1];
      w.out.params.push_back(
          {alt.captures[c].first, w.path.substr(b, e - b), alt.captures[c].second});
    }
    w.out.matches.push_back(m);
  }

  void walk(Walk& w, const Node& n, std::size_t pos, std::uint32_t depth) const {
    for (std::uint32_t a : n.terminals) {
      const std::size_t m = finish(w.path, alts[a].end, pos);
      if (m != std::string_view::npos) emit(w, a, m);
    }
    for (std::uint32_t a : n.tails) {
      const std::size_t m = matchTail(w, alts[a], 0, pos, depth);
      if (m != std::string_view::npos) emit(w, a, m);
    }
    if (pos == w.path.size()) return;
    if (n.param && w.path[pos] != '/') {
      // Segments are short: a plain loop beats a memchr call here.
      std::size_t e = pos + 1;
      while (e < w.path.size() && w.path[e] != '/') ++e;
      w.caps[2 * depth] = static_cast<std::uint32_t>(pos);
      w.caps[2 * depth + 1] = static_cast<std::uint32_t>(e);
      walk(w, *n.param, e, depth + 1);
    }
    const char c = options.caseSensitive ? w.path[pos] : asciiLower(w.path[pos]);
    for (std::size_t at = 0; at < n.firsts.size(); ++at) {
      if (n.firsts[at] != c) continue;
      const Node& child = *n.children[at];
      if (startsWith(w.path, pos, child.label, options.caseSensitive)) {
        walk(w, child, pos + child.label.size(), depth);
      }
      break;
    }
  }
};

RouteTree::RouteTree(MatchOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}

RouteTree::~RouteTree() = default;
RouteTree::RouteTree(RouteTree&&) noexcept = default;
RouteTree& RouteTree::operator=(RouteTree&&) noexcept = default;

const MatchOptions& RouteTree::options() const noexcept { return impl_->options; }

std::size_t RouteTree::size() const noexcept { return impl_->count; }

void RouteTree::add(std::string_view pattern, MatchKind kind, std::uint32_t id) {
  Impl& t = *impl_;
  if (t.lastId != kNoId && id < t.lastId) {
    throw std::invalid_argument("RouteTree::add: ids must not decrease (got " + std::to_string(id) +
                                " after " + std::to_string(t.lastId) + ")");
  }
  const bool end = kind == MatchKind::Exact;
  const std::uint32_t first = id == t.lastId ? t.nextAlternative : 0;
  if (!end && pattern == "/") {
    // router's Layer fast path: use("/") matches every path and strips nothing.
    Match m;
    m.id = id;
    m.alternative = first;
    t.matchAll.push_back(m);
    t.nextAlternative = first + 1;
  } else {
    std::vector<PatternAlternative> compiled =
        compileRoutePattern(pattern, t.options.caseSensitive, t.options.strict);
    std::uint32_t alternative = first;
    for (const PatternAlternative& tokens : compiled) {
      Impl::Alt alt;
      alt.id = id;
      alt.alternative = alternative++;
      alt.end = end;
      for (const PatternToken& tok : tokens) {
        if (tok.kind == PatternToken::Kind::Text) continue;
        auto same = std::find_if(t.names.begin(), t.names.end(),
                                 [&](const std::string& s) { return s == tok.name; });
        const std::string& name = same != t.names.end() ? *same : t.names.emplace_back(tok.name);
        alt.captures.emplace_back(name, tok.kind == PatternToken::Kind::Wildcard);
      }
      for (std::uint32_t c = 0; c < alt.captures.size(); ++c) {
        const std::string_view name = alt.captures[c].first;
        auto seen = std::find_if(alt.outputs.begin(), alt.outputs.end(),
                                 [&](std::uint32_t o) { return alt.captures[o].first == name; });
        if (seen == alt.outputs.end()) {
          alt.outputs.push_back(c);
        } else {
          *seen = c;
        }
      }
      t.maxCaptures = std::max(t.maxCaptures, static_cast<std::uint32_t>(alt.captures.size()));
      t.insert(std::move(alt), tokens);
    }
    t.nextAlternative = alternative;
  }
  t.lastId = id;
  ++t.count;
}

void RouteTree::validate(std::string_view pattern, MatchKind kind) const {
  if (kind == MatchKind::Prefix && pattern == "/") return;
  (void)compileRoutePattern(pattern, impl_->options.caseSensitive, impl_->options.strict);
}

void RouteTree::match(std::string_view path, MatchSet& out) const {
  const Impl& t = *impl_;
  const std::size_t start = out.matches.size();
  if (out.scratch.size() < 2 * std::size_t{t.maxCaptures}) {
    out.scratch.resize(2 * std::size_t{t.maxCaptures});
  }
  Impl::Walk w{path, out, out.scratch.data()};
  // use("/") entries first: apps register their global middleware before their routes, so
  // emitting these before the tree's matches usually leaves the ids in order already and
  // the sort below is skipped.
  if (!t.matchAll.empty()) {
    const std::size_t at = out.matches.size();
    out.matches.insert(out.matches.end(), t.matchAll.begin(), t.matchAll.end());
    const auto firstParam = static_cast<std::uint32_t>(out.params.size());
    if (firstParam != 0) {
      for (std::size_t i = at; i < out.matches.size(); ++i) out.matches[i].firstParam = firstParam;
    }
  }
  // Positions are kept in 32 bits; a longer path can match nothing but use("/").
  if (path.size() < 0xFFFFFFFFu) t.walk(w, t.root, 0, 0);
  auto first = out.matches.begin() + static_cast<std::ptrdiff_t>(start);
  const bool ordered =
      std::adjacent_find(first, out.matches.end(), [](const Match& a, const Match& b) {
        return a.id >= b.id;
      }) == out.matches.end();
  if (!ordered) {
    std::sort(first, out.matches.end(), [](const Match& a, const Match& b) {
      return a.id != b.id ? a.id < b.id : a.alternative < b.alternative;
    });
    auto last = std::unique(first, out.matches.end(),
                            [](const Match& a, const Match& b) { return a.id == b.id; });
    out.matches.erase(last, out.matches.end());
  }
}

}  // namespace nx::web::detail
