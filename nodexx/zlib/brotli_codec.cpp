// SPDX-License-Identifier: MIT
// The brotli side of the codec engine, as Node's BrotliEncoderContext / BrotliDecoderContext.
#include <brotli/decode.h>
#include <brotli/encode.h>

#include <string>

#include "nodexx/core/errors.hpp"
#include "nodexx/zlib/internal/codec.hpp"

namespace nx::zlib::detail {
namespace {

// Node's code for a decoder error is "ERR_" + the error's full name with its prefix
// ("ERR__ERROR_FORMAT_PADDING_1"). Brotli 1.1's BrotliDecoderErrorString returns that name;
// Debian's 1.0.9 drops the prefix ("PADDING_1"), so build it from brotli's own list.
const char* decoderErrorName(BrotliDecoderErrorCode code) noexcept {
  switch (code) {
#define NX_BROTLI_ERROR_CASE(PREFIX, NAME, CODE) \
  case BROTLI_DECODER##PREFIX##NAME:             \
    return #PREFIX #NAME;
    BROTLI_DECODER_ERROR_CODES_LIST(NX_BROTLI_ERROR_CASE, ;)
#undef NX_BROTLI_ERROR_CASE
  }
  return "_ERROR_UNKNOWN";
}

[[noreturn]] void throwInitFailed() {
  throw SystemError(std::string(codes::kErrZlibInitializationFailed), "Initialization failed");
}

class BrotliEncodeCodec final : public Codec {
 public:
  BrotliEncodeCodec(const BrotliOptions& o, std::size_t maxOutputLength)
      : Codec(Mode::BrotliEncode, o.chunkSize, maxOutputLength, static_cast<int>(o.flush),
              static_cast<int>(o.finishFlush), BROTLI_OPERATION_FLUSH),
        state_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (state_ == nullptr) throwInitFailed();
    const BrotliParams& p = o.params;
    bool ok = true;
    auto set = [&](BrotliEncoderParameter key, auto value) {
      if (value)
        ok = ok && BrotliEncoderSetParameter(state_, key, static_cast<std::uint32_t>(*value));
    };
    set(BROTLI_PARAM_MODE, p.mode);
    set(BROTLI_PARAM_QUALITY, p.quality);
    set(BROTLI_PARAM_LGWIN, p.lgwin);
    set(BROTLI_PARAM_LGBLOCK, p.lgblock);
    set(BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING, p.disableLiteralContextModeling);
    set(BROTLI_PARAM_SIZE_HINT, p.sizeHint);
    set(BROTLI_PARAM_LARGE_WINDOW, p.largeWindow);
    set(BROTLI_PARAM_NPOSTFIX, p.npostfix);
    set(BROTLI_PARAM_NDIRECT, p.ndirect);
    if (!ok) {
      BrotliEncoderDestroyInstance(state_);
      throwInitFailed();
    }
  }
  ~BrotliEncodeCodec() override { BrotliEncoderDestroyInstance(state_); }

 private:
  std::size_t run(std::uint8_t* out, std::size_t room) override {
    std::size_t availOut = room;
    const bool ok = BrotliEncoderCompressStream(state_, static_cast<BrotliEncoderOperation>(flush_),
                                                &availIn_, &in_, &availOut, &out, nullptr);
    if (!ok) {
      throw ZlibError(std::string(codes::kErrBrotliCompressionFailed), "Compression failed", -1);
    }
    return room - availOut;
  }

  BrotliEncoderState* state_;
};

class BrotliDecodeCodec final : public Codec {
 public:
  BrotliDecodeCodec(const BrotliOptions& o, std::size_t maxOutputLength)
      : Codec(Mode::BrotliDecode, o.chunkSize, maxOutputLength, static_cast<int>(o.flush),
              static_cast<int>(o.finishFlush), BROTLI_OPERATION_FLUSH),
        state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (state_ == nullptr) throwInitFailed();
    const BrotliParams& p = o.params;
    bool ok = true;
    if (p.disableRingBufferReallocation) {
      ok = ok &&
           BrotliDecoderSetParameter(state_, BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION,
                                     *p.disableRingBufferReallocation ? 1 : 0);
    }
    if (p.largeWindow) {
      ok = ok && BrotliDecoderSetParameter(state_, BROTLI_DECODER_PARAM_LARGE_WINDOW,
                                           *p.largeWindow ? 1 : 0);
    }
    if (!ok) {
      BrotliDecoderDestroyInstance(state_);
      throwInitFailed();
    }
  }
  ~BrotliDecodeCodec() override { BrotliDecoderDestroyInstance(state_); }

 private:
  std::size_t run(std::uint8_t* out, std::size_t room) override {
    std::size_t availOut = room;
    const BrotliDecoderResult r =
        BrotliDecoderDecompressStream(state_, &availIn_, &in_, &availOut, &out, nullptr);
    // Node's BrotliDecoderContext::GetErrorInfo.
    if (r == BROTLI_DECODER_RESULT_ERROR) {
      const BrotliDecoderErrorCode code = BrotliDecoderGetErrorCode(state_);
      throw ZlibError(std::string("ERR_") + decoderErrorName(code), "Decompression failed",
                      static_cast<int>(code));
    }
    if (flush_ == BROTLI_OPERATION_FINISH && r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
      // Brotli has no "unexpected end of file" of its own; Node reports zlib's.
      throw ZlibError("Z_BUF_ERROR", "unexpected end of file", -5);
    }
    return room - availOut;
  }

  BrotliDecoderState* state_;
};

}  // namespace

std::unique_ptr<Codec> Codec::create(Mode mode, const BrotliOptions& o, Api api) {
  checkOutputChunkSize(o.chunkSize);
  checkOptionRange("options.flush", static_cast<int>(o.flush), BROTLI_OPERATION_PROCESS,
                   BROTLI_OPERATION_EMIT_METADATA);
  checkOptionRange("options.finishFlush", static_cast<int>(o.finishFlush), BROTLI_OPERATION_PROCESS,
                   BROTLI_OPERATION_EMIT_METADATA);
  const std::size_t limit = resolveOutputLimit(o.maxOutputLength, mode, api);
  if (mode == Mode::BrotliEncode) return std::make_unique<BrotliEncodeCodec>(o, limit);
  return std::make_unique<BrotliDecodeCodec>(o, limit);
}

}  // namespace nx::zlib::detail
