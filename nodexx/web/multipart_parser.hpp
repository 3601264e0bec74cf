// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// The streaming multipart/form-data parser behind mw::multipart (RFC 7578 over RFC 2046), as
/// a pure function over bytes: no I/O, no loop, usable from any thread (one parser per
/// thread at a time). busboy is the reference for behaviour; the limits are multer's names.
namespace nx::web::multipart {

/// Limits of one multipart body. Every limit is checked while the bytes stream through, so
/// memory stays bounded whatever the client sends. Exceeding one fails the parse with the
/// matching Error (HTTP 413 in mw::multipart). Trivially destructible.
struct Limits {
  /// Longest field name (also the name of a file field), in bytes. Default 100.
  std::size_t fieldNameSize = 100;
  /// Longest value of a non-file field, in bytes. Default 1 MiB.
  std::size_t fieldSize = std::size_t{1} << 20;
  /// Most non-file fields. Default 100.
  std::size_t fields = 100;
  /// Largest file, in bytes. Default 10 MiB.
  std::size_t fileSize = std::size_t{10} << 20;
  /// Most file parts (parts with a filename). Default 10.
  std::size_t files = 10;
  /// Most parts of any kind, including skipped ones. Default 1000.
  std::size_t parts = 1000;
  /// Most header fields in one part (busboy's headerPairs). Default 2000.
  std::size_t headerPairs = 2000;
  /// Largest header block of one part, in bytes, up to and including its blank line (busboy's
  /// fixed 16 KiB). Default 16 KiB.
  std::size_t headerSize = 16 * 1024;
};

/// Why a parse failed. Each has a stable code (errorCode()) and an HTTP status (errorStatus()):
/// 400 for malformed input, 413 for a limit.
enum class Error : std::uint8_t {
  None = 0,
  InvalidBoundary,    ///< 400 "invalid_multipart_boundary": 1..70 RFC 2046 bchars required
  UnexpectedEnd,      ///< 400 "malformed_multipart": the body ended before the close delimiter
  MalformedHeader,    ///< 400 "malformed_multipart": a part header line is not `name: value`
  MalformedBoundary,  ///< 400 "malformed_multipart": a delimiter not followed by CRLF or "--"
  FieldNameSize,      ///< 413 "limit_field_key": Limits::fieldNameSize
  FieldSize,          ///< 413 "limit_field_value": Limits::fieldSize
  Fields,             ///< 413 "limit_field_count": Limits::fields
  FileSize,           ///< 413 "limit_file_size": Limits::fileSize
  Files,              ///< 413 "limit_file_count": Limits::files
  Parts,              ///< 413 "limit_part_count": Limits::parts
  HeaderPairs,        ///< 413 "limit_header_pairs": Limits::headerPairs
  HeaderSize,         ///< 413 "limit_header_size": Limits::headerSize
};

/// The stable problem code of `e` ("limit_file_size", "malformed_multipart", ...; "" for None).
std::string_view errorCode(Error e) noexcept;
/// The HTTP status for `e`: 400 or 413 (0 for None).
int errorStatus(Error e) noexcept;
/// A one-line English description of `e` for the problem detail ("File too large").
std::string_view errorMessage(Error e) noexcept;
/// The name of the Limits member that `e` exceeded ("fileSize"), or "" if `e` is not a limit.
std::string_view limitName(Error e) noexcept;

/// Checks a boundary as RFC 2046 §5.1.1 defines it: 1..70 characters from bchars (digits,
/// letters, `'()+_,-./:=?` and space), not ending in a space.
bool isValidBoundary(std::string_view boundary) noexcept;

/// What the parser knows about a part when its headers are complete. Views point into the
/// parser and are valid only during Handler::onPartBegin.
struct PartInfo {
  /// The `name` parameter of Content-Disposition (after RFC 5987 `name*` decoding), as sent.
  std::string_view name;
  /// The `filename` parameter (`filename*` takes precedence, decoded to UTF-8), unsanitised;
  /// nullopt for a plain field. Present but empty for a file input left empty by a browser.
  std::optional<std::string_view> filename;
  /// The part's media type, lower-cased, without parameters. Default "text/plain" for a
  /// field and "application/octet-stream" for a file (busboy's defaults).
  std::string_view mimeType;
  /// The `charset` parameter of the part's Content-Type, lower-cased ("" when absent).
  std::string_view charset;
  /// Content-Transfer-Encoding lower-cased, default "7bit" (reported, never decoded: RFC 7578
  /// §4.7 deprecates it).
  std::string_view encoding;
  /// True for a part with a filename parameter (busboy's "file" event).
  bool isFile() const noexcept { return filename.has_value(); }
};

/// Receives the parse events, in order: for each form-data part onPartBegin, onPartData zero or
/// more times, onPartEnd. Parts whose Content-Disposition is missing or not `form-data` are
/// skipped without events (busboy), but count toward Limits::parts. A data view is valid only
/// during the call; it points into the chunk given to write() or into the parser.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void onPartBegin(const PartInfo& part) = 0;
  virtual void onPartData(std::string_view data) = 0;
  virtual void onPartEnd() = 0;
};

/// An incremental multipart parser: feed the body in chunks of any size, split anywhere; the
/// events are the same for every split. The delimiter is found across chunk edges without
/// buffering data (bytes that might start a delimiter are held as a count, since they equal
/// the delimiter's own prefix), so memory is the part header block at most (Limits::headerSize)
/// plus the field name. The first error is sticky: later write()/end() calls return it.
class Parser {
 public:
  /// A parser for `boundary` (the Content-Type parameter, unquoted). An invalid boundary makes
  /// every write()/end() return Error::InvalidBoundary. `limits` is copied.
  explicit Parser(std::string_view boundary, const Limits& limits = {});

  /// Parses `chunk`, calling `handler` for what completes in it. Returns Error::None or the
  /// first error (the handler sees no events after it). Bytes after the close delimiter are
  /// ignored (the epilogue).
  Error write(std::string_view chunk, Handler& handler);
  /// Signals the end of the body: Error::UnexpectedEnd unless the close delimiter was seen.
  Error end(Handler& handler);

  /// True once the close delimiter was parsed.
  bool done() const noexcept { return state_ == State::Epilogue; }
  /// The first error, or Error::None.
  Error error() const noexcept { return error_; }
  /// Parts seen so far (including skipped ones), files and fields among them.
  std::size_t partCount() const noexcept { return parts_; }
  std::size_t fileCount() const noexcept { return files_; }
  std::size_t fieldCount() const noexcept { return fields_; }

 private:
  enum class State : std::uint8_t {
    Preamble,    // before the first delimiter
    AfterDelim,  // just after a delimiter: "--" or transport padding and CRLF follow
    AfterDash,   // one '-' of the close delimiter seen
    Padding,     // transport padding (LWSP) before the CRLF ending a delimiter line
    PaddingCr,   // the CR of that CRLF seen
    Headers,     // accumulating a part's header block
    Body,        // part data
    Epilogue,    // after the close delimiter
  };

  Error fail(Error e) noexcept;
  Error parseHeaders(Handler& handler);
  Error emitData(std::string_view data, Handler& handler);
  // Advances the delimiter match over `p..end`; returns the position after a full match, or
  // nullptr when the chunk ended inside or before a match. Data bytes are reported through
  // emitData when `emit` is set.
  const char* scanDelimiter(const char* p, const char* end, bool emit, Handler& handler,
                            Error& err);

  std::string delimiter_;    // "\r\n--" + boundary
  std::uint8_t fail_[80]{};  // KMP failure function of delimiter_
  Limits limits_;
  std::string header_;       // the current part's header block
  std::string name_;         // decoded field name of the current part
  std::string filename_;     // decoded filename of the current part
  std::string mime_;         // lower-cased media type
  std::string charset_;      // lower-cased charset parameter
  std::string encoding_;     // lower-cased Content-Transfer-Encoding
  std::size_t matched_ = 0;  // bytes of delimiter_ matched so far
  std::size_t partBytes_ = 0;
  std::size_t parts_ = 0;
  std::size_t files_ = 0;
  std::size_t fields_ = 0;
  State state_ = State::Preamble;
  Error error_ = Error::None;
  bool inPart_ = false;    // a part began (events sent) and has not ended
  bool skipPart_ = false;  // current part is not form-data: no events
  bool partIsFile_ = false;
};

/// Decodes an RFC 5987 ext-value (`UTF-8''na%C3%AFve.txt`) to UTF-8: charsets UTF-8 and
/// ISO-8859-1 (converted), case-insensitive. nullopt for another charset or a bad escape.
std::optional<std::string> decodeExtValue(std::string_view value);

/// Makes a client filename safe to use as a path component and to display: keeps the last
/// path segment (after `/` or `\`), removes control characters (C0, DEL, C1) and invalid UTF-8,
/// trims spaces and dots at both ends (so `..` and hidden-file names go), and shortens it
/// to at most 255 bytes keeping the extension. May return "" (the caller decides a default).
std::string sanitizeFilename(std::string_view filename);

/// Percent-escapes every byte of `filename` outside printable ASCII, and `%` itself, so the
/// name as sent can be logged or stored without control characters or invalid UTF-8.
std::string escapeFilename(std::string_view filename);

}  // namespace nx::web::multipart
