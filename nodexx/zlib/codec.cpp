// SPDX-License-Identifier: MIT
#include "nodexx/zlib/internal/codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"

namespace nx::zlib::detail {

bool isDecompressor(Mode mode) noexcept {
  switch (mode) {
    case Mode::Inflate:
    case Mode::Gunzip:
    case Mode::InflateRaw:
    case Mode::Unzip:
    case Mode::BrotliDecode:
      return true;
    default:
      return false;
  }
}

void throwOutOfRange(std::string_view name, std::string_view range, std::int64_t value) {
  std::string received = std::to_string(value);
  const std::uint64_t magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  if (magnitude > (std::uint64_t{1} << 32)) {
    // Node's addNumericalSeparator: groups of three digits from the right.
    const std::size_t start = received[0] == '-' ? 1 : 0;
    std::string grouped;
    std::size_t i = received.size();
    for (; i >= start + 4; i -= 3) grouped.insert(0, received, i - 3, 3).insert(0, 1, '_');
    received = received.substr(0, i) + grouped;
  }
  throw RangeError(std::string(codes::kErrOutOfRange),
                   "The value of \"" + std::string(name) + "\" is out of range. It must be " +
                       std::string(range) + ". Received " + received);
}

Codec::Codec(Mode mode, std::size_t chunkSize, std::size_t maxOutputLength, int defaultFlush,
             int finishFlush, int fullFlush) noexcept
    : mode_(mode),
      chunkSize_(chunkSize),
      maxOutputLength_(maxOutputLength),
      defaultFlush_(defaultFlush),
      finishFlush_(finishFlush),
      fullFlush_(fullFlush) {}

void Codec::setInput(std::span<const std::uint8_t> input, int flush) noexcept {
  in_ = input.data();
  availIn_ = input.size();
  flush_ = flush;
}

Buffer Codec::step() {
  if (failed_) std::rethrow_exception(failed_);
  try {
    // As Node: a fresh chunk when the previous one filled up; otherwise the rest of it, so
    // that small flushed outputs share one allocation.
    if (chunk_.empty() || chunkOffset_ >= chunk_.size()) {
      chunk_ = Buffer::allocUnsafe(chunkSize_);
      chunkOffset_ = 0;
    }
    const std::size_t room = chunk_.size() - chunkOffset_;
    const std::size_t have = run(chunk_.data() + chunkOffset_, room);
    outputFull_ = have == room || moreToDo_;
    moreToDo_ = false;
    Buffer out = chunk_.subarray(static_cast<std::ptrdiff_t>(chunkOffset_),
                                 static_cast<std::ptrdiff_t>(chunkOffset_ + have));
    chunkOffset_ += have;
    totalOut_ += have;
    if (totalOut_ > maxOutputLength_) {
      throw RangeError(
          std::string(codes::kErrBufferTooLarge),
          "Cannot create a Buffer larger than " + std::to_string(maxOutputLength_) + " bytes");
    }
    return out;
  } catch (...) {
    failed_ = std::current_exception();
    chunk_ = Buffer();
    throw;
  }
}

void Codec::writeAll(std::span<const std::uint8_t> input, int flush, std::vector<Buffer>& out) {
  setInput(input, flush);
  do {
    Buffer b = step();
    if (!b.empty()) out.push_back(std::move(b));
  } while (outputFull_);
}

int Codec::maxFlush(int a, int b) const noexcept {
  if (mode_ == Mode::BrotliEncode || mode_ == Mode::BrotliDecode) return std::max(a, b);
  // Node's flushiness order: Z_NO_FLUSH < Z_BLOCK < Z_PARTIAL_FLUSH < Z_SYNC_FLUSH <
  // Z_FULL_FLUSH < Z_FINISH.
  auto rank = [](int f) {
    switch (f) {
      case Z_NO_FLUSH:
        return 0;
      case Z_BLOCK:
        return 1;
      case Z_PARTIAL_FLUSH:
        return 2;
      case Z_SYNC_FLUSH:
        return 3;
      case Z_FULL_FLUSH:
        return 4;
      default:
        return 5;
    }
  };
  return rank(a) > rank(b) ? a : b;
}

Buffer processAll(Codec& codec, const Buffer& input) {
  std::vector<Buffer> out;
  codec.writeAll(input, codec.finishFlush(), out);
  if (out.empty()) return Buffer();
  if (out.size() == 1) return std::move(out.front());
  return Buffer::concat(out, codec.totalOut());
}

namespace {

/// Node's ZlibStrerror: the name of a zlib status.
const char* statusName(int err) noexcept {
  switch (err) {
    case Z_OK:
      return "Z_OK";
    case Z_STREAM_END:
      return "Z_STREAM_END";
    case Z_NEED_DICT:
      return "Z_NEED_DICT";
    case Z_ERRNO:
      return "Z_ERRNO";
    case Z_STREAM_ERROR:
      return "Z_STREAM_ERROR";
    case Z_DATA_ERROR:
      return "Z_DATA_ERROR";
    case Z_MEM_ERROR:
      return "Z_MEM_ERROR";
    case Z_BUF_ERROR:
      return "Z_BUF_ERROR";
    case Z_VERSION_ERROR:
      return "Z_VERSION_ERROR";
    default:
      return "Z_UNKNOWN_ERROR";
  }
}

constexpr std::uint8_t kGzipHeaderId1 = 0x1f;
constexpr std::uint8_t kGzipHeaderId2 = 0x8b;

/// Node's ZlibContext: the zlib side of the codec.
class ZlibCodec final : public Codec {
 public:
  ZlibCodec(Mode mode, const Options& o, std::size_t maxOutputLength, int windowBits)
      : Codec(mode, o.chunkSize, maxOutputLength, static_cast<int>(o.flush),
              static_cast<int>(o.finishFlush), Z_FULL_FLUSH),
        dictionary_(o.dictionary.begin(), o.dictionary.end()) {
    // Node's ZlibContext::Init: the wrapper is chosen through windowBits.
    if (mode == Mode::Gzip || mode == Mode::Gunzip) windowBits += 16;
    if (mode == Mode::Unzip) windowBits += 32;
    if (mode == Mode::DeflateRaw || mode == Mode::InflateRaw) windowBits = -windowBits;
    int err = Z_OK;
    if (compresses()) {
      err = deflateInit2(&strm_, o.level, Z_DEFLATED, windowBits, o.memLevel,
                         static_cast<int>(o.strategy));
    } else {
      err = inflateInit2(&strm_, windowBits);
    }
    if (err != Z_OK) {
      throw SystemError(std::string(codes::kErrZlibInitializationFailed), "Initialization failed");
    }
    initialized_ = true;
    if (!setDictionary()) {
      throw SystemError(std::string(codes::kErrZlibInitializationFailed), "Initialization failed");
    }
  }

  ~ZlibCodec() override {
    if (!initialized_) return;
    if (compresses()) {
      deflateEnd(&strm_);
    } else {
      inflateEnd(&strm_);
    }
  }

 private:
  bool compresses() const noexcept {
    return mode_ == Mode::Deflate || mode_ == Mode::Gzip || mode_ == Mode::DeflateRaw;
  }

  // Node's SetDictionary: deflate and both raw modes take it up front; inflate and gunzip
  // when the stream asks for it (Z_NEED_DICT).
  bool setDictionary() noexcept {
    if (dictionary_.empty()) return true;
    int err = Z_OK;
    if (mode_ == Mode::Deflate || mode_ == Mode::DeflateRaw) {
      err = deflateSetDictionary(&strm_, dictionary_.data(), static_cast<uInt>(dictionary_.size()));
    } else if (mode_ == Mode::InflateRaw) {
      err = inflateSetDictionary(&strm_, dictionary_.data(), static_cast<uInt>(dictionary_.size()));
    }
    return err == Z_OK;
  }

  std::size_t run(std::uint8_t* out, std::size_t room) override {
    // zlib counts in uInt; our chunks and inputs may be larger, so feed at most 1 GiB a call
    // (the rest stays in availIn_ and the caller loops, since the output chunk is full or
    // the input is not consumed yet).
    constexpr std::size_t kMaxCall = std::size_t{1} << 30;
    const std::size_t inNow = std::min(availIn_, kMaxCall);
    const std::size_t outNow = std::min(room, kMaxCall);
    strm_.next_in = const_cast<Bytef*>(in_);
    strm_.avail_in = static_cast<uInt>(inNow);
    strm_.next_out = out;
    strm_.avail_out = static_cast<uInt>(outNow);
    work();
    const std::size_t consumed = inNow - strm_.avail_in;
    in_ += consumed;
    availIn_ -= consumed;
    const std::size_t have = outNow - strm_.avail_out;
    checkError();
    // Input held back by the uInt cap counts as "call again", like a full output chunk.
    moreToDo_ = inNow < availIn_ + consumed && strm_.avail_in == 0;
    return have;
  }

  // Node's ZlibContext::DoThreadPoolWork.
  void work() {
    if (compresses()) {
      err_ = deflate(&strm_, flush_);
      return;
    }
    if (mode_ == Mode::Unzip) detectFormat();
    err_ = inflate(&strm_, flush_);
    // Data compressed with a dictionary: load ours and try again (raw mode got it up front).
    if (mode_ != Mode::InflateRaw && err_ == Z_NEED_DICT && !dictionary_.empty()) {
      err_ =
          inflateSetDictionary(&strm_, dictionary_.data(), static_cast<uInt>(dictionary_.size()));
      if (err_ == Z_OK) {
        err_ = inflate(&strm_, flush_);
      } else if (err_ == Z_DATA_ERROR) {
        // Tell a wrong dictionary apart from bad input, as Node does.
        err_ = Z_NEED_DICT;
      }
    }
    // Another gzip member follows (RFC 1952 allows several): start over on it. Trailing zero
    // bytes are padding and ignored.
    while (strm_.avail_in > 0 && mode_ == Mode::Gunzip && err_ == Z_STREAM_END &&
           strm_.next_in[0] != 0x00) {
      err_ = inflateReset(&strm_);
      if (err_ != Z_OK || !setDictionary()) {
        err_ = Z_STREAM_ERROR;
        return;
      }
      err_ = inflate(&strm_, flush_);
    }
  }

  // Node's UNZIP case: zlib detects the wrapper itself (windowBits + 32); the mode only
  // decides whether further gzip members are read.
  void detectFormat() noexcept {
    const Bytef* next = strm_.avail_in > 0 ? strm_.next_in : nullptr;
    if (next == nullptr) return;
    std::size_t avail = strm_.avail_in;
    if (gzipIdBytesRead_ == 0) {
      if (*next != kGzipHeaderId1) {
        mode_ = Mode::Inflate;
        return;
      }
      gzipIdBytesRead_ = 1;
      ++next;
      if (--avail == 0) return;
    }
    if (*next == kGzipHeaderId2) {
      gzipIdBytesRead_ = 2;
      mode_ = Mode::Gunzip;
    } else {
      mode_ = Mode::Inflate;
    }
  }

  // Node's ZlibContext::GetErrorInfo.
  void checkError() {
    const char* message = nullptr;
    switch (err_) {
      case Z_OK:
      case Z_BUF_ERROR:
        if (strm_.avail_out != 0 && flush_ == Z_FINISH) message = "unexpected end of file";
        break;
      case Z_STREAM_END:
        break;
      case Z_NEED_DICT:
        message = dictionary_.empty() ? "Missing dictionary" : "Bad dictionary";
        break;
      default:
        message = "Zlib error";
        break;
    }
    if (message == nullptr) return;
    if (strm_.msg != nullptr) message = strm_.msg;
    throw ZlibError(statusName(err_), message, err_);
  }

  z_stream strm_{};
  std::vector<std::uint8_t> dictionary_;
  int err_ = Z_OK;
  int gzipIdBytesRead_ = 0;
  bool initialized_ = false;
};

}  // namespace

std::size_t resolveOutputLimit(const std::optional<std::size_t>& requested, Mode mode, Api api) {
  if (!requested) return isDecompressor(mode) ? kDefaultMaxOutputLength : kMaxLength;
  const std::size_t v = *requested;
  if (api == Api::OneShot) {
    if (v < 1 || v > kMaxLength) {
      throwOutOfRange("options.maxOutputLength", ">= 1 and <= 4294967296",
                      static_cast<std::int64_t>(v));
    }
  } else if (v < 1) {
    throwOutOfRange("options.maxOutputLength", ">= 1", 0);
  }
  return v;
}

void checkOutputChunkSize(std::size_t chunkSize) {
  if (chunkSize < kMinChunk) {
    throwOutOfRange("options.chunkSize", ">= 64", static_cast<std::int64_t>(chunkSize));
  }
}

void checkOptionRange(std::string_view name, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    throwOutOfRange(name, ">= " + std::to_string(lo) + " and <= " + std::to_string(hi), value);
  }
}

std::unique_ptr<Codec> Codec::create(Mode mode, const Options& o, Api api) {
  // The order of checks is Node's: Zlib's options, then ZlibBase's.
  int windowBits = MAX_WBITS;
  if ((!o.windowBits || *o.windowBits == 0) &&
      (mode == Mode::Inflate || mode == Mode::Gunzip || mode == Mode::Unzip)) {
    // 0: use the window size recorded in the stream's header.
    windowBits = 0;
  } else if (o.windowBits) {
    windowBits = *o.windowBits;
    // deflateRaw turns 8 (which zlib rejects for raw streams) into 9, as Node's DeflateRaw.
    if (mode == Mode::DeflateRaw && windowBits == 8) windowBits = 9;
    checkOptionRange("options.windowBits", windowBits, mode == Mode::Gzip ? 9 : 8, MAX_WBITS);
  }
  checkOptionRange("options.level", o.level, Z_DEFAULT_COMPRESSION, Z_BEST_COMPRESSION);
  checkOptionRange("options.memLevel", o.memLevel, 1, MAX_MEM_LEVEL);
  checkOptionRange("options.strategy", static_cast<int>(o.strategy), Z_DEFAULT_STRATEGY, Z_FIXED);
  checkOutputChunkSize(o.chunkSize);
  checkOptionRange("options.flush", static_cast<int>(o.flush), Z_NO_FLUSH, Z_BLOCK);
  checkOptionRange("options.finishFlush", static_cast<int>(o.finishFlush), Z_NO_FLUSH, Z_BLOCK);
  const std::size_t limit = resolveOutputLimit(o.maxOutputLength, mode, api);
  return std::make_unique<ZlibCodec>(mode, o, limit, windowBits);
}

}  // namespace nx::zlib::detail
