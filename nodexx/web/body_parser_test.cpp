// SPDX-License-Identifier: MIT
#include "nodexx/web/body_parser.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/web/testdata/body_test_exchange.hpp"
#include "nodexx/zlib/zlib.hpp"

namespace nx::web {
namespace {

using bodytest::TestExchange;

// Answers {"body": req.body(), "parsed": req.bodyParsed()} and, for raw bodies, "raw" (hex).
void echo(Request& req, Response& res) {
  json::Value out = json::Object{{"body", req.body()}, {"parsed", req.bodyParsed()}};
  if (const Buffer* raw = rawBody(req)) out.set("raw", raw->toString(Encoding::Hex));
  res.json(out);
}

class BodyParserTest : public nx::testing::FreshLoop {
 protected:
  /// POSTs `ex` to an app with `parser` in front of echo.
  TestExchange& send(Middleware parser, TestExchange& ex) {
    App app;
    app.use(std::move(parser));
    app.post("/", echo);
    EXPECT_TRUE(bodytest::exchange(app, ex)) << "the chain did not settle";
    return ex;
  }
  static TestExchange post(std::string_view contentType, std::string_view body) {
    TestExchange ex("POST", "/");
    if (!contentType.empty()) ex.header("Content-Type", std::string(contentType));
    ex.body(body);
    return ex;
  }
  static std::string code(const TestExchange& ex) {
    auto j = ex.json();
    const json::Value* c = j.find("code");
    return c != nullptr && c->isString() ? std::string(c->asString()) : std::string();
  }
  static std::string detail(const TestExchange& ex) {
    auto j = ex.json();
    const json::Value* c = j.find("detail");
    return c != nullptr && c->isString() ? std::string(c->asString()) : std::string();
  }
  static json::Value bodyOf(const TestExchange& ex) { return ex.json()["body"]; }
};

// ---- json -----------------------------------------------------------------------------------

TEST_F(BodyParserTest, JsonParsesAnObject) {
  auto ex = post("application/json", R"({"a":1,"b":[true,null,"x"]})");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(bodyOf(ex), json::parse(R"({"a":1,"b":[true,null,"x"]})"));
  EXPECT_TRUE(ex.json()["parsed"].asBool());
}

TEST_F(BodyParserTest, JsonAcceptsCharsetUtf8AndSuffixTypesOnlyWhenAsked) {
  auto ex = post("Application/JSON; charset=UTF-8", "[1]");
  send(mw::json(), ex);
  EXPECT_EQ(bodyOf(ex), json::parse("[1]"));
  auto vnd = post("application/vnd.api+json", "[1]");
  send(mw::json(), vnd);
  EXPECT_TRUE(bodyOf(vnd).isNull());
  auto vnd2 = post("application/vnd.api+json", "[1]");
  send(mw::json({.type = "+json"}), vnd2);
  EXPECT_EQ(bodyOf(vnd2), json::parse("[1]"));
}

TEST_F(BodyParserTest, JsonEmptyBodyIsAnEmptyObject) {
  auto ex = post("application/json", "");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(bodyOf(ex), json::Value(json::Object{}));
}

TEST_F(BodyParserTest, JsonSkipsARequestWithoutBody) {
  TestExchange ex("POST", "/");
  ex.header("Content-Type", "application/json");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 200);
  EXPECT_TRUE(bodyOf(ex).isNull());
  EXPECT_FALSE(ex.json()["parsed"].asBool());
}

TEST_F(BodyParserTest, JsonSkipsAnotherContentType) {
  auto ex = post("text/plain", "{}");
  send(mw::json(), ex);
  EXPECT_TRUE(bodyOf(ex).isNull());
  EXPECT_EQ(ex.chunksRead(), 0u);
  auto none = post("", "{}");
  send(mw::json(), none);
  EXPECT_TRUE(bodyOf(none).isNull());
}

TEST_F(BodyParserTest, SecondParserSkipsAParsedBody) {
  App app;
  app.use(mw::text({.type = "*/*"}));
  app.use(mw::json());
  app.post("/", echo);
  auto ex = post("application/json", "{\"a\":1}");
  ASSERT_TRUE(bodytest::exchange(app, ex));
  EXPECT_EQ(bodyOf(ex), json::Value("{\"a\":1}"));
}

TEST_F(BodyParserTest, JsonStrictRejectsAPrimitiveWithItsPosition) {
  auto ex = post("application/json", "  \"hello\"");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "invalid_json");
  EXPECT_EQ(detail(ex), "Unexpected token \" in JSON at position 2");
  EXPECT_EQ(ex.headers().get("content-type").value_or("").substr(0, 24),
            "application/problem+json");
}

TEST_F(BodyParserTest, JsonStrictRejectsWhitespaceOnly) {
  auto ex = post("application/json", " \n");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "invalid_json");
}

TEST_F(BodyParserTest, JsonNonStrictAcceptsAPrimitive) {
  auto ex = post("application/json", "42");
  send(mw::json({.strict = false}), ex);
  EXPECT_EQ(bodyOf(ex), json::Value(42));
}

TEST_F(BodyParserTest, MalformedJsonIs400WithThePosition) {
  auto ex = post("application/json", R"({"a":})");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "invalid_json");
  EXPECT_NE(detail(ex).find("position 5"), std::string::npos) << detail(ex);
}

TEST_F(BodyParserTest, JsonDepthLimitIs400) {
  json::ParseOptions po;
  po.maxDepth = 3;
  auto ex = post("application/json", "[[[[1]]]]");
  send(mw::json({.parse = po}), ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "invalid_json");
}

TEST_F(BodyParserTest, JsonSkipsAUtf8Bom) {
  auto ex = post("application/json", "\xEF\xBB\xBF{\"a\":1}");
  send(mw::json(), ex);
  EXPECT_EQ(bodyOf(ex), json::parse(R"({"a":1})"));
}

TEST_F(BodyParserTest, JsonOtherCharsetIs415) {
  auto ex = post("application/json; charset=utf-16", "{}");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 415);
  EXPECT_EQ(code(ex), "unsupported_charset");
  EXPECT_EQ(detail(ex), "unsupported charset \"UTF-16\"");
  EXPECT_EQ(ex.chunksRead(), 0u);
}

TEST_F(BodyParserTest, ContentLengthAboveTheLimitIs413BeforeReading) {
  auto ex = post("application/json", "[" + std::string(100, '1') + "]");
  send(mw::json({.limit = 50}), ex);
  EXPECT_EQ(ex.status(), 413);
  EXPECT_EQ(code(ex), "payload_too_large");
  EXPECT_EQ(ex.chunksRead(), 0u);
}

TEST_F(BodyParserTest, ChunkedBodyAboveTheLimitIs413) {
  TestExchange ex("POST", "/");
  ex.header("Content-Type", "application/json");
  ex.chunks({"[1", ",2,3", ",4,5,6,7,8,9]"}, /*chunked=*/true);
  send(mw::json({.limit = 10}), ex);
  EXPECT_EQ(ex.status(), 413);
  EXPECT_EQ(code(ex), "payload_too_large");
  EXPECT_EQ(ex.maxBodyBytes(), 10u);  // handed to the transport as well
}

TEST_F(BodyParserTest, LimitIsRaisedForTheTransport) {
  const std::string big = "[" + std::string(2 << 20, '1') + "]";
  auto ex = post("application/json", big);
  send(mw::json({.limit = 4 << 20}), ex);
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.maxBodyBytes(), 4u << 20);
}

TEST_F(BodyParserTest, ZeroLimitMeansNoLimitForTheParserAndTheTransport) {
  App app;
  app.use(mw::text({.limit = 0}));
  app.post("/", [](Request& req, Response& res) {
    res.json(json::Object{{"length", req.body().asString().size()}});
  });
  auto ex = post("text/plain", std::string(2 << 20, 'x'));
  ASSERT_TRUE(bodytest::exchange(app, ex));
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.json()["length"], json::Value(2u << 20));
  EXPECT_EQ(ex.maxBodyBytes(), 0u);
}

TEST_F(BodyParserTest, BodySplitIntoManyChunksParses) {
  const std::string text = R"({"key":"value with \"escapes\"","n":[1,2,3]})";
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i < text.size(); i += 3)
    parts.push_back(std::string_view(text).substr(i, 3));
  TestExchange ex("POST", "/");
  ex.header("Content-Type", "application/json");
  ex.chunks(parts, true);
  send(mw::json(), ex);
  EXPECT_EQ(bodyOf(ex), json::parse(text));
}

TEST_F(BodyParserTest, AbortedBodyIs400RequestAborted) {
  TestExchange ex("POST", "/");
  ex.header("Content-Type", "application/json");
  ex.chunks({"{\"a\":"}, true);
  ex.failWith(std::make_exception_ptr(SystemError("ECONNRESET", "aborted")));
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "request_aborted");
}

TEST_F(BodyParserTest, GzipDeflateAndBrotliBodiesAreInflated) {
  const std::string text = R"({"compressed":true,"list":[1,2,3]})";
  const struct {
    const char* coding;
    Buffer body;
  } cases[] = {{"gzip", zlib::gzipSync(Buffer::from(text))},
               {"deflate", zlib::deflateSync(Buffer::from(text))},
               {"br", zlib::brotliCompressSync(Buffer::from(text))},
               {"GZIP", zlib::gzipSync(Buffer::from(text))},
               {"identity", Buffer::from(text)}};
  for (const auto& c : cases) {
    auto ex = post("application/json", c.body.byteView());
    ex.header("Content-Encoding", c.coding);
    send(mw::json(), ex);
    EXPECT_EQ(ex.status(), 200) << c.coding << ": " << ex.responseBody();
    EXPECT_EQ(bodyOf(ex), json::parse(text)) << c.coding;
  }
}

TEST_F(BodyParserTest, GzipBombStopsAtTheInflatedLimit) {
  // 100 MB of zeros compress to about 100 KB: the compressed size passes, the inflated
  // size must not.
  Buffer zeros = Buffer::alloc(std::size_t{100} << 20);
  zlib::Options level;
  level.level = 1;
  Buffer bomb = zlib::gzipSync(zeros, level);
  zeros = Buffer();
  ASSERT_LT(bomb.size(), 1u << 20);
  auto ex = post("application/json", bomb.byteView());
  ex.header("Content-Encoding", "gzip");
  const auto t0 = std::chrono::steady_clock::now();
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 413);
  EXPECT_EQ(code(ex), "payload_too_large");
  // Generous bound: inflating all 100 MB would take far longer under sanitizers.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
}

TEST_F(BodyParserTest, CorruptCompressedBodyIs400) {
  auto ex = post("application/json", "this is not gzip");
  ex.header("Content-Encoding", "gzip");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "invalid_content_encoding");
}

TEST_F(BodyParserTest, UnknownOrDisabledEncodingIs415) {
  auto ex = post("application/json", "{}");
  ex.header("Content-Encoding", "compress");
  send(mw::json(), ex);
  EXPECT_EQ(ex.status(), 415);
  EXPECT_EQ(code(ex), "unsupported_content_encoding");
  EXPECT_EQ(detail(ex), "unsupported content encoding \"compress\"");

  Buffer gz = zlib::gzipSync(Buffer::from("{}"));
  auto off = post("application/json", gz.byteView());
  off.header("Content-Encoding", "gzip");
  send(mw::json({.inflate = false}), off);
  EXPECT_EQ(off.status(), 415);
  EXPECT_EQ(code(off), "unsupported_content_encoding");
}

TEST_F(BodyParserTest, TypeOptionTakesAListOrAPredicate) {
  auto list = post("text/csv", "[1]");
  send(mw::json({.type = {"text/plain", "text/csv"}}), list);
  EXPECT_EQ(bodyOf(list), json::parse("[1]"));
  auto pred = post("application/x-anything", "[2]");
  send(mw::json({.type = [](const Request& r) { return r.contentType().ends_with("anything"); }}),
       pred);
  EXPECT_EQ(bodyOf(pred), json::parse("[2]"));
  auto no = post("application/json", "[3]");
  send(mw::json({.type = [](const Request&) { return false; }}), no);
  EXPECT_TRUE(bodyOf(no).isNull());
}

TEST_F(BodyParserTest, VerifySeesTheRawBytesAndCanReject) {
  std::string seen;
  std::string charset;
  auto ok = post("application/json", "{\"sig\":1}");
  send(mw::json({.verify =
                     [&](Request&, Response&, const Buffer& b, std::string_view cs) {
                       seen = b.toString();
                       charset = std::string(cs);
                     }}),
       ok);
  EXPECT_EQ(ok.status(), 200);
  EXPECT_EQ(seen, "{\"sig\":1}");
  EXPECT_EQ(charset, "utf-8");

  auto bad = post("application/json", "{}");
  send(mw::json({.verify = [](Request&, Response&, const Buffer&,
                              std::string_view) { throw std::runtime_error("bad signature"); }}),
       bad);
  EXPECT_EQ(bad.status(), 403);
  EXPECT_EQ(code(bad), "verify_failed");
  EXPECT_EQ(detail(bad), "bad signature");

  auto custom = post("application/json", "{}");
  send(mw::json({.verify = [](Request&, Response&, const Buffer&,
                              std::string_view) { throw HttpError(401, "bad_signature", "no"); }}),
       custom);
  EXPECT_EQ(custom.status(), 401);
  EXPECT_EQ(code(custom), "bad_signature");
}

// ---- urlencoded -----------------------------------------------------------------------------

TEST_F(BodyParserTest, UrlencodedSimpleKeepsBracketsAndCollectsRepeats) {
  auto ex = post("application/x-www-form-urlencoded", "a=1&b=x+y%21&a=3&c[d]=4&e");
  send(mw::urlencoded(), ex);
  EXPECT_EQ(bodyOf(ex), json::parse(R"({"a":["1","3"],"b":"x y!","c[d]":"4","e":""})"));
}

TEST_F(BodyParserTest, UrlencodedExtendedNests) {
  auto ex =
      post("application/x-www-form-urlencoded", "user[name]=Ann&user[tags][]=a&user[tags][]=b");
  send(mw::urlencoded({.extended = true}), ex);
  EXPECT_EQ(bodyOf(ex), json::parse(R"({"user":{"name":"Ann","tags":["a","b"]}})"));
}

TEST_F(BodyParserTest, UrlencodedTooManyParametersIs413) {
  auto ex = post("application/x-www-form-urlencoded", "a=1&b=2&c=3");
  send(mw::urlencoded({.parameterLimit = 2}), ex);
  EXPECT_EQ(ex.status(), 413);
  EXPECT_EQ(code(ex), "too_many_parameters");
  auto ok = post("application/x-www-form-urlencoded", "a=1&b=2");
  send(mw::urlencoded({.parameterLimit = 2}), ok);
  EXPECT_EQ(ok.status(), 200);
}

TEST_F(BodyParserTest, UrlencodedDeeperThanDepthIs400) {
  auto ex = post("application/x-www-form-urlencoded", "a[b][c][d]=1");
  send(mw::urlencoded({.extended = true, .depth = 2}), ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "depth_exceeded");
}

TEST_F(BodyParserTest, UrlencodedLatin1DecodesEscapesAsLatin1) {
  auto ex = post("application/x-www-form-urlencoded; charset=ISO-8859-1", "n=%E9t%E9");
  send(mw::urlencoded(), ex);
  EXPECT_EQ(bodyOf(ex), json::parse(R"({"n":"été"})"));
  auto def = post("application/x-www-form-urlencoded", "n=%E9");
  send(mw::urlencoded({.defaultCharset = "iso-8859-1"}), def);
  EXPECT_EQ(bodyOf(def), json::parse(R"({"n":"é"})"));
}

TEST_F(BodyParserTest, UrlencodedOtherCharsetIs415) {
  auto ex = post("application/x-www-form-urlencoded; charset=koi8-r", "a=1");
  send(mw::urlencoded(), ex);
  EXPECT_EQ(ex.status(), 415);
  EXPECT_EQ(code(ex), "unsupported_charset");
}

TEST_F(BodyParserTest, UrlencodedRejectsBadOptions) {
  try {
    (void)mw::urlencoded({.defaultCharset = "koi8-r"});
    FAIL() << "no throw";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
  }
  EXPECT_THROW((void)mw::urlencoded({.parameterLimit = 0}), SystemError);
}

// ---- text and raw ---------------------------------------------------------------------------

TEST_F(BodyParserTest, TextDecodesUtf8WithReplacementAndLatin1) {
  auto ex = post("text/plain", "caf\xC3\xA9 \xFF!");
  send(mw::text(), ex);
  EXPECT_EQ(bodyOf(ex), json::Value("caf\xC3\xA9 \xEF\xBF\xBD!"));
  auto l1 = post("text/plain; charset=latin1", "caf\xE9");
  send(mw::text(), l1);
  EXPECT_EQ(bodyOf(l1), json::Value("caf\xC3\xA9"));
  auto bad = post("text/plain; charset=shift_jis", "x");
  send(mw::text(), bad);
  EXPECT_EQ(bad.status(), 415);
  EXPECT_EQ(code(bad), "unsupported_charset");
  EXPECT_THROW((void)mw::text({.defaultCharset = "ebcdic"}), SystemError);
}

TEST_F(BodyParserTest, RawKeepsTheBytes) {
  auto ex = post("application/octet-stream", std::string("\x00\x01\xFFz", 4));
  send(mw::raw(), ex);
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.json()["raw"], json::Value("0001ff7a"));
  EXPECT_TRUE(bodyOf(ex).isNull());
  EXPECT_TRUE(ex.json()["parsed"].asBool());
  auto big = post("application/octet-stream", std::string(11, 'x'));
  send(mw::raw({.limit = 10}), big);
  EXPECT_EQ(big.status(), 413);
}

}  // namespace
}  // namespace nx::web
