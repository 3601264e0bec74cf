// SPDX-License-Identifier: MIT
// Twin of scenarios/zlib_errors.js.
#include <cstdio>
#include <exception>
#include <functional>
#include <string>

#include "nodexx/nodexx.hpp"
#include "nodexx/zlib/zlib.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

namespace zlib = nx::zlib;
using nx::Buffer;
using nx::Encoding;

Buffer hex(const char* s) { return Buffer::from(s, Encoding::Hex); }

std::string describe(const std::exception_ptr& e) {
  std::string errnum = "undefined";
  try {
    std::rethrow_exception(e);
  } catch (const zlib::ZlibError& z) {
    errnum = std::to_string(z.errnum());
  } catch (...) {
  }
  return nx::oracle::nameOf(e) + " " + nx::oracle::codeOf(e) + " " + errnum + " " +
         nx::oracle::messageOf(e);
}

void show(const std::string& label, const std::function<Buffer()>& f) {
  try {
    Buffer out = f();
    std::string text = out.toString(Encoding::Latin1);
    if (text.size() > 40) text.resize(40);
    log(label + ": ok " + std::to_string(out.size()) + " " + text);
  } catch (...) {
    log(label + ": " + describe(std::current_exception()));
  }
}

Buffer flip(const Buffer& b, std::ptrdiff_t i) {
  Buffer c = b.clone();
  c[static_cast<std::size_t>(static_cast<std::ptrdiff_t>(c.size()) + i)] ^= 1;
  return c;
}

const Buffer& gz() {
  static const Buffer b =
      hex("1f8b0800000000000003cb48cdc9c95728cf2fca4951c840b0013bcee2ea17000000");
  return b;
}
const Buffer& df() {
  static const Buffer b = hex("789ccb48cdc9c95728cf2fca4951c840b00169e708d9");
  return b;
}
const Buffer& br() {
  static const Buffer b = hex("1b1600f88d946ede44558696206c6f350b32b54006543b");
  return b;
}

template <class T>
nx::Promise<std::exception_ptr> rejectionOf(nx::Promise<T> p) {
  try {
    co_await std::move(p);
  } catch (...) {
    co_return std::current_exception();
  }
  co_return nullptr;
}

nx::Promise<> asyncPart() {
  const Buffer garbage = Buffer::from("garbage!");
  log("async gunzip garbage: " + describe(co_await rejectionOf(zlib::gunzip(garbage))));
  log("async brotli truncated: " +
      describe(co_await rejectionOf(zlib::brotliDecompress(br().subarray(0, 5)))));
  zlib::Options max10{.maxOutputLength = 10};
  log("async inflate max 10: " + describe(co_await rejectionOf(zlib::inflate(df(), max10))));
  Buffer out = co_await zlib::unzip(gz());
  log("async unzip: null " + out.toString());
}

}  // namespace

NX_ORACLE_SCENARIO(zlib_errors) {
  const Buffer raw = hex("cb48cdc9c95728cf2fca4951c840b001");
  const Buffer dictDf = hex("78bb3529066bcb40e32b8005006292089f");
  const Buffer brBomb = hex("5bffff8f7f02201e0b0472ef1f00");
  const Buffer garbage = Buffer::from("garbage!");
  const Buffer& gzb = gz();
  const Buffer& dfb = df();
  const Buffer& brb = br();

  show("gunzip ok", [&] { return zlib::gunzipSync(gzb); });
  show("inflate ok", [&] { return zlib::inflateSync(dfb); });
  show("inflateRaw ok", [&] { return zlib::inflateRawSync(raw); });
  show("unzip gzip", [&] { return zlib::unzipSync(gzb); });
  show("unzip deflate", [&] { return zlib::unzipSync(dfb); });
  show("brotli ok", [&] { return zlib::brotliDecompressSync(brb); });
  show("gunzip garbage", [&] { return zlib::gunzipSync(garbage); });
  show("inflate garbage", [&] { return zlib::inflateSync(garbage); });
  show("inflateRaw garbage", [&] { return zlib::inflateRawSync(garbage); });
  show("unzip garbage", [&] { return zlib::unzipSync(garbage); });
  show("brotli garbage", [&] { return zlib::brotliDecompressSync(garbage); });
  show("brotli bad bytes", [&] { return zlib::brotliDecompressSync(hex("1b1600f88d946e")); });
  show("gunzip truncated", [&] { return zlib::gunzipSync(gzb.subarray(0, -4)); });
  show("gunzip header only", [&] { return zlib::gunzipSync(gzb.subarray(0, 10)); });
  show("inflate truncated", [&] { return zlib::inflateSync(dfb.subarray(0, -2)); });
  show("inflateRaw truncated", [&] { return zlib::inflateRawSync(raw.subarray(0, -2)); });
  show("brotli truncated", [&] { return zlib::brotliDecompressSync(brb.subarray(0, -2)); });
  show("gunzip empty", [&] { return zlib::gunzipSync(Buffer()); });
  show("unzip empty", [&] { return zlib::unzipSync(Buffer()); });
  show("brotli empty", [&] { return zlib::brotliDecompressSync(Buffer()); });
  show("gunzip of deflate", [&] { return zlib::gunzipSync(dfb); });
  show("inflate of gzip", [&] { return zlib::inflateSync(gzb); });
  show("gunzip bad crc", [&] { return zlib::gunzipSync(flip(gzb, -8)); });
  show("gunzip bad length", [&] { return zlib::gunzipSync(flip(gzb, -2)); });
  show("inflate bad adler", [&] { return zlib::inflateSync(flip(dfb, -1)); });
  show("gunzip two members", [&] { return zlib::gunzipSync(Buffer::concat({gzb, gzb})); });
  show("gunzip zero padding", [&] {
    return zlib::gunzipSync(Buffer::concat({gzb, Buffer::alloc(7)}));
  });
  show("gunzip trailing junk", [&] {
    return zlib::gunzipSync(Buffer::concat({gzb, Buffer::from("junk")}));
  });
  show("inflate trailing junk", [&] {
    return zlib::inflateSync(Buffer::concat({dfb, Buffer::from("junk")}));
  });
  show("inflate no dictionary", [&] { return zlib::inflateSync(dictDf); });
  const Buffer nope = Buffer::from("nope");
  const Buffer dict = Buffer::from("hello dictionary");
  show("inflate bad dictionary", [&] { return zlib::inflateSync(dictDf, {.dictionary = nope}); });
  show("inflate dictionary", [&] { return zlib::inflateSync(dictDf, {.dictionary = dict}); });
  show("gunzip sync flush truncated", [&] {
    return zlib::gunzipSync(gzb.subarray(0, -8), {.finishFlush = zlib::Flush::SyncFlush});
  });
  show("gunzip max 5", [&] { return zlib::gunzipSync(gzb, {.maxOutputLength = 5}); });
  show("gunzip max 23", [&] { return zlib::gunzipSync(gzb, {.maxOutputLength = 23}); });
  show("brotli bomb max 64k",
       [&] { return zlib::brotliDecompressSync(brBomb, {.maxOutputLength = 65536}); });
  const Buffer x = Buffer::from("x");
  show("level 10", [&] { return zlib::gzipSync(x, {.level = 10}); });
  show("windowBits 8 gzip", [&] { return zlib::gzipSync(x, {.windowBits = 8}); });
  show("windowBits 16 inflate", [&] { return zlib::inflateSync(dfb, {.windowBits = 16}); });
  show("memLevel 0", [&] { return zlib::deflateSync(x, {.memLevel = 0}); });
  show("strategy 5",
       [&] { return zlib::deflateSync(x, {.strategy = static_cast<zlib::Strategy>(5)}); });
  show("chunkSize 63", [&] { return zlib::deflateSync(x, {.chunkSize = 63}); });
  show("maxOutputLength 0", [&] { return zlib::gunzipSync(gzb, {.maxOutputLength = 0}); });
  show("maxOutputLength 2^32+1",
       [&] { return zlib::gunzipSync(gzb, {.maxOutputLength = (std::size_t{1} << 32) + 1}); });
  show("finishFlush 6",
       [&] { return zlib::gunzipSync(gzb, {.finishFlush = static_cast<zlib::Flush>(6)}); });
  log("crc32 " + std::to_string(zlib::crc32("hello")) + " " +
      std::to_string(zlib::crc32("world", 123)) + " " +
      std::to_string(zlib::crc32(zlib::gunzipSync(gzb))));

  (void)asyncPart();
  return nx::run();
}
