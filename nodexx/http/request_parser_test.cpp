// SPDX-License-Identifier: MIT
#include "nodexx/http/internal/request_parser.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/http/internal/server_parser_driver.hpp"

namespace nx::http::detail {
namespace {

using ::testing::HasSubstr;

std::string parse(std::string_view input, std::vector<std::size_t> cuts = {},
                  std::uint32_t maxHead = 16 * 1024, std::uint64_t maxBody = 0) {
  RecordingSink s(maxHead, maxBody);
  return s.run(input, cuts);
}

const std::string kTwo =
    "POST /up?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Long: " + std::string(300, 'v') +
    "\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n"
    "GET /next HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";

TEST(RequestParserTest, ParsesPipelinedMessagesWithViewsIntoTheInput) {
  std::string log = parse(kTwo);
  EXPECT_THAT(log, HasSubstr("head POST /up?x=1 1.1 ka\n  Host: example.com\n"));
  EXPECT_THAT(log, HasSubstr("body 11 hello world\nend\n"));
  EXPECT_THAT(log, HasSubstr("head GET /next 1.1 close\n"));
  EXPECT_THAT(log, Not(HasSubstr("T: 1")));  // trailers are not exposed as fields
}

TEST(RequestParserTest, EverySplitPointGivesTheSameResult) {
  std::string whole = parse(kTwo);
  for (std::size_t cut = 1; cut < kTwo.size(); ++cut) {
    ASSERT_EQ(parse(kTwo, {cut}), whole) << "cut at " << cut;
  }
}

TEST(RequestParserTest, ByteByByteGivesTheSameResult) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < kTwo.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(parse(kTwo, cuts), parse(kTwo));
}

TEST(RequestParserTest, BareLineFeedsAndFoldsAreFoundAtEveryOffsetOfTheHead) {
  // The strictness pass reads the head a word at a time: move each defect across every byte
  // position of a word, and into the head's last, overlapping word.
  for (std::size_t pad = 0; pad < 20; ++pad) {
    const std::string start = "GET / HTTP/1.1\r\nX-Pad: " + std::string(pad, 'p') + "\r\n";
    const std::string good = start + "A: b\r\nC: d\r\n\r\n";
    EXPECT_THAT(parse(good), Not(HasSubstr("error"))) << good;
    // llhttp 8 itself rejects a bare LF inside the fields, not after the request line.
    EXPECT_THAT(parse("GET /" + std::string(pad, 'u') + " HTTP/1.1\nA: b\r\n\r\n"),
                HasSubstr("error HPE_STRICT 400"))
        << pad;
    EXPECT_THAT(parse(start + "A: b\r\n c\r\n\r\n"), HasSubstr("error HPE_OBS_FOLD 400")) << pad;
    EXPECT_THAT(parse(start + "A: b\r\n\tc\r\n\r\n"), HasSubstr("error HPE_OBS_FOLD 400")) << pad;
    EXPECT_THAT(parse(start + "A: " + std::string(pad, 'v') + "\r\n  c\r\n\r\n"),
                HasSubstr("error HPE_OBS_FOLD 400"))
        << pad;
  }
}

TEST(RequestParserTest, TrailingWhitespaceOfValuesIsTrimmed) {
  EXPECT_THAT(parse("GET / HTTP/1.1\r\nA:  x y \t\r\n\r\n"), HasSubstr("  A: x y\n"));
}

TEST(RequestParserTest, PauseAtMessageEndLeavesTheRestUnconsumed) {
  struct Pausing final : RequestSink {
    RequestParser p{*this};
    int messages = 0;
    bool onHeadersComplete() override { return true; }
    void onBody(std::string_view) override {}
    bool onMessageComplete() override {
      ++messages;
      return true;
    }
  } s;
  std::string two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  ParseResult r = s.p.execute(two.data(), two.size());
  EXPECT_EQ(r.status, ParseStatus::Paused);
  EXPECT_EQ(r.consumed, two.size() / 2);
  EXPECT_EQ(s.messages, 1);
  s.p.resume();
  r = s.p.execute(two.data() + r.consumed, two.size() - r.consumed);
  EXPECT_EQ(s.messages, 2);
  EXPECT_EQ(s.p.url(), "/b");
}

TEST(RequestParserTest, DetachedHeadOutlivesTheInputBuffer) {
  struct Sink final : RequestSink {
    RequestParser p{*this};
    bool onHeadersComplete() override { return true; }
    void onBody(std::string_view) override {}
    bool onMessageComplete() override { return true; }
  } s;
  std::string input = "GET /path HTTP/1.1\r\nX-Key: value\r\n\r\n";
  s.p.execute(input.data(), input.size());
  EXPECT_FALSE(s.p.headDetached());
  s.p.detachHead();
  std::fill(input.begin(), input.end(), '#');
  EXPECT_TRUE(s.p.headDetached());
  EXPECT_EQ(s.p.url(), "/path");
  EXPECT_EQ(s.p.fieldValue(s.p.fields()[0]), "value");
}

TEST(RequestParserTest, HeadLargerThanTheLimitIs431EvenWhenSplit) {
  std::string req = "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n";
  EXPECT_THAT(parse(req, {}, 1024), HasSubstr("error HPE_HEADER_OVERFLOW 431"));
  EXPECT_THAT(parse(req, {10, 500, 1500}, 1024), HasSubstr("error HPE_HEADER_OVERFLOW 431"));
  EXPECT_THAT(parse(req, {}, 4096), Not(HasSubstr("error")));
}

TEST(RequestParserTest, BodyOverTheLimitIs413) {
  std::string req = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
  EXPECT_THAT(parse(req, {}, 16384, 9), HasSubstr("error ERR_HTTP_BODY_TOO_LARGE 413"));
  EXPECT_THAT(parse(req, {}, 16384, 10), HasSubstr("body 10 0123456789"));
}

TEST(RequestParserTest, SmugglingShapesAreErrors) {
  EXPECT_THAT(
      parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
      HasSubstr("error HPE_UNEXPECTED_CONTENT_LENGTH 400"));
  EXPECT_THAT(parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"),
              HasSubstr("error HPE_UNEXPECTED_CONTENT_LENGTH 400"));
  EXPECT_THAT(parse("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"), HasSubstr("error HPE_OBS_FOLD 400"));
  EXPECT_THAT(parse("GET / HTTP/1.1\nA: b\r\n\r\n"), HasSubstr("error HPE_STRICT 400"));
  EXPECT_THAT(parse("GET  / HTTP/1.1\r\n\r\n"), HasSubstr("error HPE_STRICT 400"));
  EXPECT_THAT(parse("GET / HTTP/1.1\r\n: v\r\n\r\n"),
              HasSubstr("error HPE_INVALID_HEADER_TOKEN 400"));
  EXPECT_THAT(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, x\r\n\r\n"),
              HasSubstr("error HPE_INVALID_TRANSFER_ENCODING 400"));
  EXPECT_THAT(parse("POST / HTTP/1.1\r\nTransfer-Encoding: x, chunked\r\n\r\n"),
              HasSubstr("error HPE_INVALID_TRANSFER_ENCODING 501"));
  EXPECT_THAT(parse("GET / HTTP/2.0\r\n\r\n"), HasSubstr("error HPE_INVALID_VERSION 505"));
}

TEST(RequestParserTest, ConnectAndUpgradeEndTheMessageAtTheHeadForTheServerToDecide) {
  // The server decides what CONNECT means (a listener, or Node's destroy); the parser reports
  // the head and stops there, without treating what follows as HTTP.
  EXPECT_EQ(parse("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
            "head CONNECT a:443 1.1 ka\n  Host: a:443\nbody 0 \nend\nupgrade\n");
  EXPECT_THAT(parse("GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n\x16\x03"),
              HasSubstr("end\nupgrade\n"));
}

// A sink that takes every Upgrade over, as the server does when 'upgrade' has listeners.
class TakeOverSink final : public RequestSink {
 public:
  bool onHeadersComplete() override {
    if (parser.isUpgrade()) parser.takeOver();
    return true;
  }
  void onBody(std::string_view chunk) override { body.append(chunk); }
  bool onMessageComplete() override { return true; }

  RequestParser parser{*this};
  std::string body;
};

TEST(RequestParserTest, TakeOverStopsAtTheEndOfTheHeadAndSkipsTheBody) {
  const std::string head =
      "POST /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: foo\r\n"
      "Content-Length: 5\r\n\r\n";
  const std::string input = head + "hello" + "GET / HTTP/1.1\r\n\r\n";
  TakeOverSink s;
  ParseResult r = s.parser.execute(input.data(), input.size());
  EXPECT_EQ(r.status, ParseStatus::Paused);
  EXPECT_EQ(r.consumed, head.size());  // the body and the next bytes belong to the listener
  EXPECT_EQ(s.body, "");
  // Without takeOver() the same Upgrade request is parsed with its body first.
  RecordingSink plain;
  EXPECT_THAT(plain.run(input, {}), HasSubstr("body 5 hello\nend\nupgrade\n"));
}

std::string trailersOf(RecordingSink& s) {
  std::string out;
  for (const FieldRef& f : s.parser.trailerFields()) {
    out +=
        std::string(s.parser.trailerName(f)) + "=[" + std::string(s.parser.trailerValue(f)) + "]\n";
  }
  return out;
}

TEST(RequestParserTest, TrailersAreKeptAsReceivedAtEverySplitPoint) {
  const std::string input =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
      "X-T: 1  \r\nx-t: 2\r\nY:\r\nLong: " +
      std::string(200, 'v') + "\r\n\r\n";
  const std::string expected = "X-T=[1]\nx-t=[2]\nY=[]\nLong=[" + std::string(200, 'v') + "]\n";
  std::vector<std::size_t> everyByte;
  for (std::size_t cut = 1; cut < input.size(); ++cut) {
    RecordingSink s;
    EXPECT_THAT(s.run(input, {cut}), Not(HasSubstr("error"))) << "cut at " << cut;
    EXPECT_EQ(trailersOf(s), expected) << "cut at " << cut;
    everyByte.push_back(cut);
  }
  RecordingSink s;
  s.run(input, everyByte);
  EXPECT_EQ(trailersOf(s), expected);
  // The next message starts with none; an idle parser holds no trailer memory.
  s.run("GET / HTTP/1.1\r\nHost: x\r\n\r\n", {});
  EXPECT_EQ(trailersOf(s), "");
  s.parser.releaseStorage();
  EXPECT_EQ(s.parser.trailerFields().capacity(), 0U);
}

TEST(RequestParserTest, TrailersAreLimitedByMaxHeaderSizeAndNeedAName) {
  const std::string start = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  EXPECT_THAT(parse(start + "X: " + std::string(1000, 'v') + "\r\n\r\n", {}, 512),
              HasSubstr("error HPE_HEADER_OVERFLOW 431"));
  EXPECT_THAT(parse(start + ": v\r\n\r\n"), HasSubstr("error HPE_INVALID_HEADER_TOKEN 400"));
}

TEST(RequestParserTest, GapsLlhttp8LeavesAreClosedAtEverySplitPoint) {
  struct Case {
    std::string input;
    std::string error;
  };
  const std::vector<Case> cases = {
      // A bare LF in the line ends that close the head, with and without fields.
      {"GET / HTTP/1.1\r\nHost: x\r\n\n", "error HPE_STRICT 400"},
      {"GET / HTTP/1.1\r\n\n", "error HPE_STRICT 400"},
      // An empty Transfer-Encoding is still a Transfer-Encoding (not chunked last: 400).
      {"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\nhello",
       "error HPE_INVALID_TRANSFER_ENCODING 400"},
      // Framing fields and obs-fold in trailers (llhttp itself rejects a trailer TE).
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 9\r\n\r\n",
       "error HPE_INVALID_TRAILER 400"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\ntransfer-encoding: x\r\n\r\n",
       "error HPE_INVALID_TRANSFER_ENCODING 400"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1\r\n 2\r\n\r\n",
       "error HPE_OBS_FOLD 400"},
      // A malformed version is a syntax error (400); a well-formed major other than 1 is 505.
      {"GET / HTTP/1.2\r\n\r\n", "error HPE_INVALID_VERSION 400"},
      {"GET / HTTP/x.y\r\n\r\n", "error HPE_INVALID_VERSION 400"},
      {"GET / HTTP/3.0\r\n\r\n", "error HPE_INVALID_VERSION 505"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(parse(c.input), HasSubstr(c.error)) << c.input;
    std::vector<std::size_t> everyByte;
    for (std::size_t cut = 1; cut < c.input.size(); ++cut) {
      std::string log = parse(c.input, {cut});
      EXPECT_THAT(log, HasSubstr(c.error)) << c.input << " cut at " << cut;
      everyByte.push_back(cut);
    }
    EXPECT_THAT(parse(c.input, everyByte), HasSubstr(c.error)) << c.input << " byte by byte";
  }
  // A trailer value split by reads is one value, not a fold, wherever the reads split it.
  const std::string trailer =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1 2 3\r\n\r\n";
  std::vector<std::size_t> everyByte;
  for (std::size_t cut = 1; cut < trailer.size(); ++cut) {
    EXPECT_THAT(parse(trailer, {cut}), Not(HasSubstr("error"))) << "cut at " << cut;
    everyByte.push_back(cut);
  }
  EXPECT_THAT(parse(trailer, everyByte), Not(HasSubstr("error")));
  // An empty last value keeps its own line end inside the head: still a valid request.
  EXPECT_THAT(parse("GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n"), Not(HasSubstr("error")));
  EXPECT_THAT(parse("GET / HTTP/1.1\r\nX-Empty:   \r\n\r\n", {20}), Not(HasSubstr("error")));
  EXPECT_THAT(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1\r\n\r\n"),
              Not(HasSubstr("error")));
}

TEST(RequestParserTest, ReleaseStorageLeavesAnIdleParserWithNoHeapMemory) {
  RecordingSink s;
  s.run("GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n", {20});
  s.parser.releaseStorage();
  EXPECT_FALSE(s.parser.headDetached());
  EXPECT_THAT(s.run("GET /again HTTP/1.1\r\n\r\n", {}), HasSubstr("head GET /again"));
}

}  // namespace
}  // namespace nx::http::detail
