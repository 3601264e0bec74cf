// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "nodexx/web/internal/route_pattern.hpp"

/// Route matching of the web layer: Express 5 (router 2.x over path-to-regexp 8) semantics,
/// evaluated by a radix tree instead of one regular expression per layer. Used by
/// web::Router; not part of the user-facing API. Single-threaded: a RouteTree is built on one
/// thread; match() is const and may then run concurrently from any number of threads as long
/// as nobody calls add() at the same time.
namespace nx::web::detail {

/// How patterns compare with paths. The defaults are Express 5's.
struct MatchOptions {
  /// Express's `case sensitive routing`. When false, ASCII letters compare case-insensitively
  /// (path-to-regexp's `i` flag; non-ASCII bytes always compare exactly). Default false.
  bool caseSensitive = false;
  /// Express's `strict routing`. When false, trailing slashes of a pattern are removed when it
  /// is added (router's `loosen()`) and a path may end with one extra `/`. Default false.
  bool strict = false;
};

/// Whether a pattern must match the whole path (a route: `app.get`, `router.route`) or a
/// prefix ending at a `/` or at the end of the path (`use()`, mounted routers).
enum class MatchKind : std::uint8_t { Exact, Prefix };

/// One captured parameter of a match. Both views are raw (not percent-decoded): `name` points
/// into the tree (valid while the tree lives), `value` into the path given to match().
struct Param {
  std::string_view name;
  std::string_view value;
  /// True for `*name` wildcards: the value spans one or more segments (`a/b/c`), which
  /// Express splits at `/` into an array.
  bool wildcard = false;
};

/// One matching entry: which one, how much of the path it matched, and its parameters as the
/// range [firstParam, firstParam + paramCount) of MatchSet::params.
struct Match {
  /// The id given to RouteTree::add().
  std::uint32_t id = 0;
  /// The length in bytes of the matched part of the path (path-to-regexp's `match.path`).
  /// For MatchKind::Prefix this is what the web layer strips to get the mounted path; it may
  /// include a final `/` when the path ends with one (`use("/api")` on `/api/` matches 5
  /// bytes), and it is 0 for `use("/")`.
  std::uint32_t matchedLength = 0;
  std::uint32_t firstParam = 0;
  /// Parameters in pattern order, one per distinct name: a name captured twice (`/:a/:a`)
  /// appears once, with the last capture's value, as Express's params object.
  std::uint32_t paramCount = 0;
  /// Which alternative matched: 0 unless the pattern has optional groups `{...}` or the id
  /// was added with several patterns. Informational; match() uses it to report, per id, the
  /// alternative that path-to-regexp's regular expression would pick.
  std::uint32_t alternative = 0;
};

/// The output of RouteTree::match(). Reuse one per thread (or per request) so that matching
/// does not allocate once the vectors have grown.
struct MatchSet {
  std::vector<Match> matches;
  std::vector<Param> params;
  /// Empties matches and params, keeping their capacity.
  void clear() noexcept {
    matches.clear();
    params.clear();
    scratch.clear();
  }
  /// Working memory of match(); not part of the result.
  std::vector<std::uint32_t> scratch;
};

/// A set of patterns, each under an id, matched together against a path in one walk.
/// Move-only.
class RouteTree {
 public:
  /// An empty tree; `options` apply to every pattern added later.
  explicit RouteTree(MatchOptions options = {});
  ~RouteTree();
  RouteTree(RouteTree&&) noexcept;
  RouteTree& operator=(RouteTree&&) noexcept;
  RouteTree(const RouteTree&) = delete;
  RouteTree& operator=(const RouteTree&) = delete;

  /// Compiles `pattern` (path-to-regexp 8 syntax: `:name`, `:"quoted name"`, `*name`,
  /// optional `{...}` groups, `\` escapes) and adds it under `id`. Ids must not decrease from
  /// one call to the next (Express's layers are registered in order); adding the same id
  /// again adds an alternative pattern for it (Express's array of paths), tried after the
  /// earlier ones. `MatchKind::Prefix` with pattern "/" matches every path with length 0,
  /// as Express's `use("/")`.
  /// Throws web::RoutePatternError (code ERR_ROUTE_PATTERN, with the byte position) for bad
  /// syntax: Express 4's `:id?`, `*` without a name, `(regex)` groups, reserved characters
  /// `( ) [ ] ? + !`, an unmatched `{` or `}`, a trailing `\`, two parameters with no text
  /// between them, more than 256 alternatives. The message says what to write instead.
  /// Throws std::invalid_argument when `id` is lower than a previous id. On a throw the tree
  /// is unchanged. Compiled patterns keep no reference to `pattern`.
  void add(std::string_view pattern, MatchKind kind, std::uint32_t id);

  /// Checks `pattern` as add() would and throws the same RoutePatternError, without adding
  /// anything: lets a caller with an array of paths validate them all before adding any.
  void validate(std::string_view pattern, MatchKind kind) const;

  /// Appends every entry matching `path` to `out.matches` (and their params to
  /// `out.params`), in increasing id order, one Match per id. `path` is the raw pathname
  /// (no query string, not decoded); it must outlive the use of the Param values. Does not
  /// allocate once `out` has grown. Never throws for any input bytes.
  void match(std::string_view path, MatchSet& out) const;

  /// The options given to the constructor.
  const MatchOptions& options() const noexcept;
  /// The number of add() calls that succeeded.
  std::size_t size() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nx::web::detail
