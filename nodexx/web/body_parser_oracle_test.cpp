// SPDX-License-Identifier: MIT
// The body parsers against body-parser itself: every request of
// testdata/body_oracle_cases.json goes through Express 5 + body-parser in node (over real
// HTTP, testdata/body_oracle.js) and through mw::json/urlencoded/text/raw here; the status,
// the error kind and the parsed body must be the same.
#include "nodexx/web/body_parser.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/web/testdata/body_test_exchange.hpp"
#include "nodexx/zlib/zlib.hpp"

namespace nx::web {
namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// What node printed for every case, or nullopt when node, body-parser or the run failed.
std::optional<std::string> runOracle() {
  if (!nx::testing::hasNode()) return std::nullopt;
  if (!std::filesystem::exists(nx::testing::npmModules() / "body-parser" / "package.json")) {
    return std::nullopt;
  }
  const nx::testing::NodeOutput node = nx::testing::runNode(
      {.script = "nodexx/web/testdata/body_oracle.js",
       .args = {
           (nx::testing::sourceDir() / "nodexx/web/testdata/body_oracle_cases.json").string()}});
  if (node.status != 0) return std::nullopt;
  return node.out;
}

// body-parser's error `type` → the problem code nodexx gives the same failure.
std::string codeFor(const json::Value& type) {
  static const std::map<std::string, std::string, std::less<>> kCodes = {
      {"entity.too.large", "payload_too_large"},
      {"entity.parse.failed", "invalid_json"},
      {"encoding.unsupported", "unsupported_content_encoding"},
      {"charset.unsupported", "unsupported_charset"},
      {"parameters.too.many", "too_many_parameters"},
      {"querystring.parse.rangeError", "depth_exceeded"},
  };
  // A decompression failure has no type in body-parser.
  if (!type.isString()) return "invalid_content_encoding";
  auto it = kCodes.find(type.asString());
  return it == kCodes.end() ? std::string(type.asString()) : it->second;
}

BodyType typeOption(const json::Value& options) {
  const json::Value* t = options.find("type");
  if (t == nullptr) return {};
  if (t->isString()) return BodyType(std::string(t->asString()));
  std::vector<std::string> list;
  for (const json::Value& v : t->asArray()) list.emplace_back(v.asString());
  return BodyType(std::move(list));
}

Middleware parserFor(const json::Value& c) {
  static const json::Value kNone = json::Object{};
  const json::Value* found = c.find("options");
  const json::Value& o = found != nullptr ? *found : kNone;
  auto num = [&](std::string_view k, std::uint64_t d) {
    const json::Value* v = o.find(k);
    return v != nullptr ? static_cast<std::uint64_t>(v->asInt64()) : d;
  };
  auto flag = [&](std::string_view k, bool d) {
    const json::Value* v = o.find(k);
    return v != nullptr ? v->asBool() : d;
  };
  const std::string_view parser = c["parser"].asString();
  if (parser == "json") {
    JsonOptions j;
    j.limit = num("limit", 100 * 1024);  // body-parser's default, for a like-for-like table
    j.type = typeOption(o);
    j.inflate = flag("inflate", true);
    j.strict = flag("strict", true);
    return mw::json(std::move(j));
  }
  if (parser == "urlencoded") {
    UrlencodedOptions u;
    u.limit = num("limit", 100 * 1024);
    u.type = typeOption(o);
    u.inflate = flag("inflate", true);
    u.extended = flag("extended", false);
    u.parameterLimit = num("parameterLimit", 1000);
    u.depth = num("depth", 32);
    return mw::urlencoded(std::move(u));
  }
  if (parser == "text") {
    TextOptions t;
    t.limit = num("limit", 100 * 1024);
    t.type = typeOption(o);
    t.inflate = flag("inflate", true);
    return mw::text(std::move(t));
  }
  RawOptions r;
  r.limit = num("limit", 100 * 1024);
  r.type = typeOption(o);
  r.inflate = flag("inflate", true);
  return mw::raw(std::move(r));
}

void answer(Request& req, Response& res) {
  if (const Buffer* raw = rawBody(req)) {
    res.json(json::Object{{"body", json::Object{{"hex", raw->toString(Encoding::Hex)}}}});
  } else {
    res.json(json::Object{{"body", req.body()}});
  }
}

class BodyParserOracleTest : public nx::testing::FreshLoop {};

TEST_F(BodyParserOracleTest, SameStatusErrorAndBodyAsBodyParser) {
  const std::string root = nx::testing::sourceDir().string();
  auto out = runOracle();
  if (!out) GTEST_SKIP() << "node or " << root << "/bench/node_modules/body-parser is missing";
  const json::Value expected = json::parse(*out);
  const json::Value cases =
      json::parse(readAll(root + "/nodexx/web/testdata/body_oracle_cases.json"));
  ASSERT_EQ(expected.size(), cases.size());
  ASSERT_GE(cases.size(), 60u);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json::Value& c = cases[i];
    const json::Value& want = expected[i];
    const std::string name(c["name"].asString());
    bodytest::TestExchange ex("POST", "/");
    for (const json::Value& h : c["headers"].asArray())
      ex.header(std::string(h[0].asString()), std::string(h[1].asString()));
    std::optional<Buffer> body;
    if (const json::Value* hex = c.find("bodyHex")) {
      body = Buffer::from(hex->asString(), Encoding::Hex);
    } else if (const json::Value* text = c.find("body")) {
      body = Buffer::from(text->asString());
    }
    if (const json::Value* enc = c.find("encoding"); enc != nullptr && body) {
      const std::string_view e = enc->asString();
      body = e == "gzip"      ? zlib::gzipSync(*body)
             : e == "deflate" ? zlib::deflateSync(*body)
                              : zlib::brotliCompressSync(*body);
      ex.header("Content-Encoding", std::string(e));
    }
    const bool chunked = c.find("chunked") != nullptr || !body;
    if (body) {
      ex.chunks({body->byteView()}, chunked);
    } else {
      ex.chunks({}, true);  // node's client sends an empty chunked body for a bare POST
    }
    App app;
    app.use(parserFor(c));
    app.post("/", answer);
    ASSERT_TRUE(bodytest::exchange(app, ex)) << name;
    const json::Value got = ex.json();
    EXPECT_EQ(ex.status(), want["status"].asInt64()) << name << ": " << ex.responseBody();
    if (want["status"].asInt64() == 200) {
      EXPECT_EQ(got["body"], want["body"])
          << name << ": got " << json::stringify(got["body"]) << ", body-parser gave "
          << json::stringify(want["body"]);
    } else {
      const json::Value* code = got.find("code");
      EXPECT_EQ(code != nullptr ? std::string(code->asString()) : std::string(),
                codeFor(want["error"]))
          << name;
    }
  }
}

}  // namespace
}  // namespace nx::web
