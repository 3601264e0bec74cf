// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/errors.hpp"

namespace nx::web {

/// A route pattern that path-to-regexp 8 (Express 5) rejects. code() is "ERR_ROUTE_PATTERN",
/// name() "TypeError" (path-to-regexp throws a TypeError); what() names the problem, the
/// position, the pattern, and for Express 4 syntax what to write instead, e.g.
/// `Unexpected ? at 10 in "/users/:id?": optional parts are written in braces: /users{/:id}
/// instead of /users/:id?, ...`.
class RoutePatternError : public SystemError {
 public:
  /// `position` is the byte offset in the pattern where the problem was found.
  RoutePatternError(const std::string& message, std::size_t position);
  std::string_view name() const noexcept override { return "TypeError"; }
  /// The byte offset in the pattern where the problem was found.
  std::size_t position() const noexcept { return position_; }

 private:
  std::size_t position_;
};

}  // namespace nx::web

/// The compiled form of a path-to-regexp 8 pattern, shared by RouteTree and its tests and
/// fuzzer. Internal: the representation may change with the tree.
namespace nx::web::detail {

/// One way a capture may consume input. Either a run of one or more allowed bytes, where a
/// position is allowed unless one of the non-empty `forbid` strings starts there (a negated
/// character class with path-to-regexp's lookaheads), or exactly the text `literal`.
struct CaptureOption {
  bool isLiteral = false;
  std::string forbid1;
  std::string forbid2;
  std::string literal;
};

/// A token of a flattened alternative: text, or a capture tried option by option (each run
/// greedily, longest first), as the regular expression path-to-regexp generates.
struct PatternToken {
  enum class Kind : std::uint8_t { Text, Param, Wildcard };
  Kind kind = Kind::Text;
  /// Text tokens: the literal, lower-cased when matching is case-insensitive.
  std::string text;
  /// Captures: the parameter name and its options in regex order (one or two).
  std::string name;
  std::vector<CaptureOption> options;
};

/// One alternative of a pattern: every optional group either taken or not. Adjacent text is
/// merged into one token.
using PatternAlternative = std::vector<PatternToken>;

/// Compiles `pattern` into its alternatives, in the order path-to-regexp tries them (a group
/// taken before the group left out, left to right). Applies router's `loosen()` first when
/// `strict` is false. Throws RoutePatternError as RouteTree::add documents.
std::vector<PatternAlternative> compileRoutePattern(std::string_view pattern, bool caseSensitive,
                                                    bool strict);

/// Whether `cp` (a Unicode code point) may start / continue a parameter name, as
/// path-to-regexp's ID_START (`[$_\p{ID_Start}]`) and ID_CONTINUE
/// (`[$\u200c\u200d\p{ID_Continue}]`).
bool isIdentifierStart(char32_t cp) noexcept;
bool isIdentifierPart(char32_t cp) noexcept;

}  // namespace nx::web::detail
