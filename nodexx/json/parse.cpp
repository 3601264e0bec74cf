// SPDX-License-Identifier: MIT
#include "nodexx/json/parse.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "nodexx/core/buffer.hpp"
#include "nodexx/json/internal/parser.hpp"

namespace nx::json {
namespace {

// Thrown by the conversion when the document breaks a limit: the reader then parses it again
// to say exactly where (limits are an error path; the precise position costs nothing there).
struct LimitHit {};

class Converter {
 public:
  explicit Converter(const ParseOptions& options)
      : options_(options), maxDepth_(std::min(options.maxDepth, detail::kMaxDepthCap)) {}

  Value convert(simdjson::dom::element e, std::size_t depth) const {
    using simdjson::dom::element_type;
    switch (e.type()) {
      case element_type::ARRAY: {
        if (depth + 1 > maxDepth_) throw LimitHit{};
        const simdjson::dom::array a = e.get_array().value_unsafe();
        Array out;
        // size() saturates at 2^24 - 1 elements; it is only a reservation hint.
        const std::size_t n = a.size();
        if (n > options_.maxArrayLength) throw LimitHit{};
        out.reserve(n);
        for (simdjson::dom::element c : a) out.push_back(convert(c, depth + 1));
        if (out.size() > options_.maxArrayLength) throw LimitHit{};
        return Value(std::move(out));
      }
      case element_type::OBJECT: {
        if (depth + 1 > maxDepth_) throw LimitHit{};
        const simdjson::dom::object o = e.get_object().value_unsafe();
        Object out;
        const std::size_t n = o.size();
        if (n > options_.maxObjectMembers) throw LimitHit{};
        auto& members = detail::ObjectAccess::members(out);
        members.reserve(n);
        for (simdjson::dom::key_value_pair kv : o) {
          if (kv.key.size() > options_.maxStringBytes) throw LimitHit{};
          members.emplace_back(std::string(kv.key), convert(kv.value, depth + 1));
        }
        if (members.size() > options_.maxObjectMembers) throw LimitHit{};
        detail::ObjectAccess::dedupe(out);
        return Value(std::move(out));
      }
      case element_type::INT64:
        return Value(e.get_int64().value_unsafe());
      case element_type::UINT64:
        return Value(e.get_uint64().value_unsafe());
      case element_type::DOUBLE:
        return Value(e.get_double().value_unsafe());
      case element_type::STRING: {
        const std::string_view s = e.get_string().value_unsafe();
        if (s.size() > options_.maxStringBytes) throw LimitHit{};
        return Value(s);
      }
      case element_type::BOOL:
        return Value(e.get_bool().value_unsafe());
      case element_type::NULL_VALUE:
        return Value();
    }
    return Value();
  }

 private:
  const ParseOptions& options_;
  std::size_t maxDepth_;
};

// Per-thread buffers above this size are released after the parse: one large document should
// not pin tens of megabytes in every thread that ever parsed one. simdjson's DOM needs about
// 13 bytes per input byte (tape, structural indexes, strings).
constexpr std::size_t kRetainBytes = std::size_t{4} << 20;

// One parser per thread, reused: its buffers grow to the largest document seen (up to
// kRetainBytes) and stay, so a steady stream of requests parses without allocating anything
// but the Values.
simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// A per-thread padded copy of the input, grown as needed.
struct PaddedBuffer {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;
};
PaddedBuffer& threadBuffer() {
  thread_local PaddedBuffer buffer;
  return buffer;
}

// `data` has at least SIMDJSON_PADDING readable bytes after `size`.
Value parsePadded(const char* data, std::size_t size, const ParseOptions& options) {
  const std::string_view text(data, size);
  simdjson::dom::parser& parser = threadParser();
  // The reader enforces maxDepth exactly; simdjson only needs a bound that is not tighter.
  const std::size_t depth = std::min(options.maxDepth, detail::kMaxDepthCap) + 2;
  if (parser.max_depth() != depth || parser.capacity() < size) {
    if (parser.allocate(std::max(size, parser.capacity()), depth) != simdjson::SUCCESS) {
      throw std::bad_alloc();
    }
  }
  struct Trim {
    simdjson::dom::parser& parser;
    ~Trim() {
      if (parser.capacity() > kRetainBytes) parser = simdjson::dom::parser();
    }
  } trim{parser};
  simdjson::dom::element root;
  if (parser.parse(data, size, false).get(root) == simdjson::SUCCESS) {
    try {
      return Converter(options).convert(root, 0);
    } catch (const LimitHit&) {
      // Fall through to the reader, which reports the limit with its position.
    }
  }
  // simdjson rejected the text (or a limit broke): the reader decides. It accepts what
  // JSON.parse accepts and simdjson does not (integers beyond 64 bits, 1e400, lone surrogate
  // escapes) and otherwise throws the precise ParseError.
  return detail::readJson(text, options);
}

}  // namespace

Value parse(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.maxBytes) detail::throwTooLarge(text.size(), options);
  PaddedBuffer& buffer = threadBuffer();
  const std::size_t need = text.size() + simdjson::SIMDJSON_PADDING;
  if (buffer.capacity < need) {
    const std::size_t grown = std::max(need, std::min(buffer.capacity * 2, kRetainBytes));
    buffer.data = std::make_unique_for_overwrite<char[]>(grown);
    buffer.capacity = grown;
  }
  std::memcpy(buffer.data.get(), text.data(), text.size());
  std::memset(buffer.data.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  struct Trim {
    PaddedBuffer& buffer;
    ~Trim() {
      if (buffer.capacity > kRetainBytes) buffer = PaddedBuffer();
    }
  } trim{buffer};
  return parsePadded(buffer.data.get(), text.size(), options);
}

Value parse(std::string& text, const ParseOptions& options) {
  if (text.size() > options.maxBytes) detail::throwTooLarge(text.size(), options);
  // Growing the capacity keeps the contents; the padding bytes are read, never used.
  if (text.capacity() < text.size() + simdjson::SIMDJSON_PADDING) {
    text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  }
  return parsePadded(text.data(), text.size(), options);
}

Value parse(const Buffer& bytes, const ParseOptions& options) {
  return parse(bytes.byteView(), options);
}

}  // namespace nx::json
