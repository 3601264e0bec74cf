// SPDX-License-Identifier: MIT
// The `Date` field value, formatted at most once per second (RFC 9110 IMF-fixdate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string_view>

namespace nx::http::detail {

class DateCache {
 public:
  /// "Sun, 06 Nov 1994 08:49:37 GMT" for the current second. `loopNowMs` is the loop's cached
  /// clock: the wall clock is read only when it changed, so a batch of responses in one loop
  /// turn costs one comparison each.
  std::string_view get(std::uint64_t loopNowMs) noexcept {
    refresh(loopNowMs);
    return {buf_ + kNameSize, kSize};
  }
  /// The whole field as a response head carries it, "Date: <get()>\r\n": kLineSize bytes,
  /// a constant so that callers copy it with fixed-size moves.
  const char* line(std::uint64_t loopNowMs) noexcept {
    refresh(loopNowMs);
    return buf_;
  }
  /// IMF-fixdate always has 29 characters (years 1000 to 9999).
  static constexpr std::size_t kSize = 29;
  static constexpr std::size_t kNameSize = 6;  // "Date: "
  static constexpr std::size_t kLineSize = kNameSize + kSize + 2;

 private:
  void refresh(std::uint64_t loopNowMs) noexcept {
    if (loopNowMs != lastLoopMs_ || second_ == 0) {
      lastLoopMs_ = loopNowMs;
      std::time_t t = std::time(nullptr);
      if (t != second_) {
        second_ = t;
        std::tm tm{};
        gmtime_r(&t, &tm);
        format(tm);
      }
    }
  }

  // By hand rather than strftime: %a and %b follow the C locale, which a program may change.
  void format(const std::tm& tm) noexcept {
    static constexpr char kDays[] = "SunMonTueWedThuFriSat";
    static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char* p = buf_;
    for (char c : std::string_view("Date: ")) *p++ = c;
    auto put2 = [&p](int v) {
      *p++ = static_cast<char>('0' + v / 10);
      *p++ = static_cast<char>('0' + v % 10);
    };
    for (int i = 0; i < 3; ++i) *p++ = kDays[tm.tm_wday * 3 + i];
    *p++ = ',';
    *p++ = ' ';
    put2(tm.tm_mday);
    *p++ = ' ';
    for (int i = 0; i < 3; ++i) *p++ = kMonths[tm.tm_mon * 3 + i];
    *p++ = ' ';
    int year = tm.tm_year + 1900;
    put2(year / 100 % 100);
    put2(year % 100);
    *p++ = ' ';
    put2(tm.tm_hour);
    *p++ = ':';
    put2(tm.tm_min);
    *p++ = ':';
    put2(tm.tm_sec);
    for (char c : std::string_view(" GMT\r\n")) *p++ = c;
  }

  std::uint64_t lastLoopMs_ = 0;
  std::time_t second_ = 0;
  char buf_[kLineSize] = {};
};

}  // namespace nx::http::detail
