// SPDX-License-Identifier: MIT
#include "nodexx/http/internal/response_parser.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace nx::http::detail {
namespace {

struct Recorder final : ResponseSink {
  void onInformation(ResponseHead& head) override { informational.push_back(head.statusCode); }
  bool onResponse(ResponseHead& h) override {
    head = h;
    ++responses;
    return accept;
  }
  void onBody(std::string_view chunk) override { body.append(chunk); }
  void onComplete() override { ++completions; }

  std::vector<int> informational;
  ResponseHead head;
  std::string body;
  int responses = 0;
  int completions = 0;
  bool accept = true;
};

class ResponseParserTest : public ::testing::Test {
 protected:
  ResponseParser::Result feed(std::string_view bytes) { return parser.execute(bytes); }
  /// Feeds one byte at a time and returns the status of the last call.
  ResponseParser::Status feedBytewise(std::string_view bytes) {
    ResponseParser::Status last = ResponseParser::Status::Ok;
    for (char c : bytes) {
      last = parser.execute(&c, 1).status;
      if (last != ResponseParser::Status::Ok) break;
    }
    return last;
  }
  std::string failCode(std::string_view bytes) {
    auto r = feed(bytes);
    if (r.status == ResponseParser::Status::Ok) r = parser.finish();
    return r.status == ResponseParser::Status::Error ? parser.failure().code : "(none)";
  }

  Recorder sink;
  ResponseParser parser{sink};
};

using S = ResponseParser::Status;

TEST_F(ResponseParserTest, ContentLengthBodyCompletesAndKeepsAlive) {
  auto r = feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello");
  EXPECT_EQ(r.status, S::Paused);
  EXPECT_EQ(sink.head.statusCode, 200);
  EXPECT_EQ(sink.head.statusMessage, "OK");
  ASSERT_EQ(sink.head.fields.size(), 3u);
  EXPECT_EQ(sink.head.fields[1].first, "X-A");
  EXPECT_EQ(sink.head.fields[2].second, "2");
  EXPECT_EQ(sink.head.contentLength, 5u);
  EXPECT_EQ(sink.body, "hello");
  EXPECT_EQ(sink.completions, 1);
  EXPECT_TRUE(parser.keepAlive());
  EXPECT_TRUE(parser.complete());
}

TEST_F(ResponseParserTest, ByteAtATimeGivesTheSameResult) {
  EXPECT_EQ(feedBytewise("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n"),
            S::Paused);
  EXPECT_EQ(sink.head.statusCode, 201);
  EXPECT_TRUE(sink.head.chunked);
  EXPECT_EQ(sink.body, "abc0123456789abcdef");
  EXPECT_EQ(sink.completions, 1);
}

TEST_F(ResponseParserTest, CloseDelimitedBodyEndsAtEofAndForbidsReuse) {
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\n\r\npart one ").status, S::Ok);
  EXPECT_EQ(feed("part two").status, S::Ok);
  EXPECT_EQ(sink.completions, 0);
  EXPECT_EQ(parser.finish().status, S::Paused);
  EXPECT_EQ(sink.body, "part one part two");
  EXPECT_EQ(sink.completions, 1);
  EXPECT_FALSE(parser.keepAlive());
}

TEST_F(ResponseParserTest, HeadResponseHasNoBodyDespiteContentLength) {
  parser.reset(/*noBody=*/true);
  auto r = feed("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
  EXPECT_EQ(r.status, S::Paused);
  EXPECT_EQ(sink.body, "");
  EXPECT_TRUE(parser.keepAlive());
}

TEST_F(ResponseParserTest, NoContentAndNotModifiedHaveNoBody) {
  EXPECT_EQ(feed("HTTP/1.1 204 No Content\r\n\r\n").status, S::Paused);
  parser.reset();
  EXPECT_EQ(feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").status, S::Paused);
  EXPECT_EQ(sink.completions, 2);
  EXPECT_EQ(sink.body, "");
}

TEST_F(ResponseParserTest, InterimResponsesAreReportedBeforeTheFinalOne) {
  auto r = feed(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(r.status, S::Paused);
  EXPECT_EQ(sink.informational, (std::vector<int>{100, 103}));
  EXPECT_EQ(sink.responses, 1);
  EXPECT_EQ(sink.head.statusCode, 200);
  EXPECT_EQ(sink.body, "ok");
}

TEST_F(ResponseParserTest, StopsAfterTheResponseAndReportsBytesUsed) {
  std::string_view bytes = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxGARBAGE";
  auto r = feed(bytes);
  EXPECT_EQ(r.status, S::Paused);
  EXPECT_EQ(r.consumed, bytes.size() - 7);
  EXPECT_EQ(feed("more").status, S::Paused);  // nothing more until reset()
  parser.reset();
  EXPECT_EQ(feed("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").status, S::Paused);
  EXPECT_EQ(sink.head.statusCode, 404);
}

TEST_F(ResponseParserTest, KeepAliveFollowsVersionAndConnectionHeader) {
  feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(parser.keepAlive());
  parser.reset();
  feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(parser.keepAlive());
  parser.reset();
  feed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(parser.keepAlive());
}

TEST_F(ResponseParserTest, SwitchingProtocolsPausesWithUpgrade) {
  auto r = feed(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade"
      "\r\n\r\n\x81\x05");
  EXPECT_EQ(r.status, S::Paused);
  EXPECT_TRUE(sink.head.upgrade);
  EXPECT_EQ(sink.responses, 1);
}

TEST_F(ResponseParserTest, SmugglingShapedResponsesAreRejected) {
  EXPECT_EQ(failCode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "0\r\n\r\n"),
            "HPE_UNEXPECTED_CONTENT_LENGTH");
  parser.reset();
  EXPECT_EQ(failCode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            "HPE_UNEXPECTED_CONTENT_LENGTH");
  parser.reset();
  EXPECT_EQ(failCode("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n"),
            "HPE_INVALID_CONTENT_LENGTH");
  parser.reset();
  EXPECT_EQ(failCode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            "HPE_INVALID_CHUNK_SIZE");
  parser.reset();
  EXPECT_EQ(failCode(std::string_view("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 26)),
            "HPE_INVALID_HEADER_TOKEN");
  parser.reset();
  EXPECT_EQ(failCode("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), "HPE_INVALID_HEADER_TOKEN");
  parser.reset();
  EXPECT_EQ(failCode("HTTX/1.1 200 OK\r\n\r\n"), "HPE_INVALID_CONSTANT");
  parser.reset();
  EXPECT_EQ(failCode("HTTP/1.1 2000 OK\r\n\r\n"), "HPE_INVALID_STATUS");
  parser.reset();
  EXPECT_EQ(failCode("HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n"), "HPE_INVALID_STATUS");
  parser.reset();
  EXPECT_EQ(failCode("HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n"), "HPE_INVALID_STATUS");
}

TEST_F(ResponseParserTest, ObsFoldIsUnfoldedIntoSpaces) {
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\nX: a\r\n  folded\r\nContent-Length: 0\r\n\r\n").status,
            S::Paused);
  ASSERT_EQ(sink.head.fields.size(), 2u);
  EXPECT_EQ(sink.head.fields[0].second.find_first_of("\r\n"), std::string::npos);
  EXPECT_NE(sink.head.fields[0].second.find("folded"), std::string::npos);
}

TEST_F(ResponseParserTest, EmptyFieldNameAfterAFoldIsRejected) {
  EXPECT_EQ(failCode("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n: a\r\n\r\n"),
            "HPE_INVALID_HEADER_TOKEN");
}

TEST_F(ResponseParserTest, EofInsideAMessageIsAnError) {
  feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  auto r = parser.finish();
  EXPECT_EQ(r.status, S::Error);
  EXPECT_EQ(parser.failure().code, "HPE_INVALID_EOF_STATE");
  parser.reset();
  feed("HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(parser.finish().status, S::Error);
  parser.reset();
  EXPECT_EQ(parser.finish().status, S::Ok);  // nothing started: a plain close
  EXPECT_FALSE(parser.started());
}

TEST_F(ResponseParserTest, HeadLargerThanTheLimitOverflows) {
  ResponseParser small(sink, 64);
  std::string head = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100, 'a') + "\r\n\r\n";
  auto r = small.execute(head);
  EXPECT_EQ(r.status, S::Error);
  EXPECT_EQ(small.failure().code, "HPE_HEADER_OVERFLOW");
  EXPECT_EQ(small.failure().reason, "Header overflow");
  ResponseParser exact(sink, 64);
  EXPECT_EQ(exact.execute("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").status, S::Paused);
}

TEST_F(ResponseParserTest, SinkCanRefuseTheResponse) {
  sink.accept = false;
  EXPECT_EQ(failCode("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), "ERR_ABORTED_BY_SINK");
}

}  // namespace
}  // namespace nx::http::detail
