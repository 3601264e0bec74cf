// SPDX-License-Identifier: MIT
#include "nodexx/web/multipart.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/body_parser.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/web/settings.hpp"
#include "nodexx/web/testdata/body_test_exchange.hpp"

namespace nx::web {
namespace {

using bodytest::TestExchange;

constexpr std::string_view kType = "multipart/form-data; boundary=----nxBoundary7MA4YWxkTrZu0gW";

std::string field(std::string_view name, std::string_view value) {
  return "------nxBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"" +
         std::string(name) + "\"\r\n\r\n" + std::string(value) + "\r\n";
}
std::string file(std::string_view name, std::string_view filename, std::string_view content,
                 std::string_view type = "text/plain") {
  return "------nxBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"" +
         std::string(name) + "\"; filename=\"" + std::string(filename) +
         "\"\r\nContent-Type: " + std::string(type) + "\r\n\r\n" + std::string(content) + "\r\n";
}
std::string close() { return "------nxBoundary7MA4YWxkTrZu0gW--\r\n"; }

// Answers {"body": req.body(), "files": [{fieldname, originalname, ...}]}.
void describe(Request& req, Response& res) {
  json::Value files = json::Array{};
  for (const UploadedFile& f : req.files()) {
    files.push_back(json::Object{{"fieldname", f.fieldname},
                                 {"originalname", f.originalname},
                                 {"raw", f.rawOriginalname},
                                 {"encoding", f.encoding},
                                 {"mimetype", f.mimetype},
                                 {"size", f.size},
                                 {"path", f.path},
                                 {"content", f.buffer.toString()}});
  }
  res.json(json::Object{{"body", req.body()}, {"files", std::move(files)}});
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class MultipartTest : public nx::testing::FreshLoop {
 protected:
  MultipartTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nx-multipart-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~MultipartTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  TestExchange& send(MultipartOptions options, TestExchange& ex) {
    App app;
    app.use(mw::multipart(std::move(options)));
    app.post("/", describe);
    EXPECT_TRUE(bodytest::exchange(app, ex)) << "the chain did not settle";
    return ex;
  }
  static TestExchange post(std::string_view body, std::string_view type = kType) {
    TestExchange ex("POST", "/");
    ex.header("Content-Type", std::string(type));
    ex.body(body);
    return ex;
  }
  static std::string code(const TestExchange& ex) {
    const json::Value j = ex.json();
    const json::Value* c = j.find("code");
    return c != nullptr && c->isString() ? std::string(c->asString()) : std::string();
  }
  std::size_t filesInDir() const {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_ + "/up")) ++n;
    return n;
  }

  std::string dir_;
};

TEST_F(MultipartTest, FieldsGoToBodyAndFilesToMemory) {
  auto ex =
      post(field("title", "Hello") + field("tag", "a") + field("tag", "b") +
           file("doc", "../../etc/pass\twd.txt", "line1\r\nline2", "Text/Plain; charset=utf-8") +
           close());
  send({}, ex);
  ASSERT_EQ(ex.status(), 200) << ex.responseBody();
  auto j = ex.json();
  EXPECT_EQ(j["body"], json::parse(R"({"title":"Hello","tag":["a","b"]})"));
  ASSERT_EQ(j["files"].size(), 1u);
  const json::Value& f = j["files"][0];
  EXPECT_EQ(f["fieldname"], json::Value("doc"));
  EXPECT_EQ(f["originalname"], json::Value("passwd.txt"));
  EXPECT_EQ(f["raw"], json::Value("../../etc/pass%09wd.txt"));
  EXPECT_EQ(f["mimetype"], json::Value("text/plain"));
  EXPECT_EQ(f["encoding"], json::Value("7bit"));
  EXPECT_EQ(f["size"], json::Value(12));
  EXPECT_EQ(f["content"], json::Value("line1\r\nline2"));
}

TEST_F(MultipartTest, EverySplitPointGivesTheSameResult) {
  const std::string body =
      field("a", "1\r\n--") + file("f", "x.bin", "ab\r\n------nxB\rcd") + field("b", "") + close();
  auto whole = post(body);
  send({}, whole);
  ASSERT_EQ(whole.status(), 200) << whole.responseBody();
  const json::Value expected = whole.json();
  EXPECT_EQ(expected["files"][0]["content"], json::Value("ab\r\n------nxB\rcd"));
  for (std::size_t i = 1; i < body.size(); ++i) {
    TestExchange ex("POST", "/");
    ex.header("Content-Type", std::string(kType));
    ex.chunks({std::string_view(body).substr(0, i), std::string_view(body).substr(i)}, true);
    send({}, ex);
    ASSERT_EQ(ex.json(), expected) << "split at " << i;
  }
}

TEST_F(MultipartTest, FilesAreStoredToDestWithRandomNames) {
  MultipartOptions o;
  o.dest = dir_ + "/up";
  auto ex = post(file("a", "one.txt", "first file") + file("b", "two.txt", "second") + close());
  send(o, ex);
  ASSERT_EQ(ex.status(), 200) << ex.responseBody();
  auto files = ex.json()["files"];
  ASSERT_EQ(files.size(), 2u);
  const std::string path(files[0]["path"].asString());
  EXPECT_EQ(path.rfind(o.dest + "/", 0), 0u);
  EXPECT_EQ(path.size(), o.dest.size() + 1 + 32);
  EXPECT_EQ(readFile(path), "first file");
  EXPECT_EQ(readFile(std::string(files[1]["path"].asString())), "second");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(files[0]["path"], files[1]["path"]);
}

TEST_F(MultipartTest, StoredFilesAreRemovedWhenALaterLimitFails) {
  MultipartOptions o;
  o.dest = dir_ + "/up";
  o.limits.fileSize = 8;
  auto ex = post(file("a", "ok.txt", "small") + file("b", "big.txt", "far too large") + close());
  send(o, ex);
  EXPECT_EQ(ex.status(), 413) << ex.responseBody();
  EXPECT_EQ(code(ex), "limit_file_size");
  EXPECT_NE(ex.json()["detail"].asString().find("fileSize"), std::string_view::npos);
  EXPECT_EQ(filesInDir(), 0u);
}

TEST_F(MultipartTest, AbortedUploadRemovesThePartialFile) {
  MultipartOptions o;
  o.dest = dir_ + "/up";
  const std::string part = file("a", "ok.txt", "complete") + file("b", "b.txt", "partial");
  TestExchange ex("POST", "/");
  ex.header("Content-Type", std::string(kType));
  ex.chunks({std::string_view(part).substr(0, part.size() - 4)}, true);
  ex.failWith(std::make_exception_ptr(SystemError("ECONNRESET", "aborted")));
  send(o, ex);
  EXPECT_EQ(ex.status(), 400) << ex.responseBody();
  EXPECT_EQ(code(ex), "request_aborted");
  EXPECT_EQ(filesInDir(), 0u);
}

TEST_F(MultipartTest, StorageFailureIs500WithoutInternals) {
  MultipartOptions o;
  o.dest = dir_ + "/up";
  AppOptions production;
  production.env = Env::Production;
  App app(production);
  app.use(mw::multipart(o));
  app.post("/", describe);
  auto first = post(file("a", "1.txt", "one") + close());
  ASSERT_TRUE(bodytest::exchange(app, first));
  ASSERT_EQ(first.status(), 200);
  // The folder disappears after the middleware created it: opening the next file fails
  // asynchronously, while the middleware is busy with the request.
  std::filesystem::remove_all(o.dest);
  auto second = post(file("a", "2.txt", std::string(100000, 'x')) + close());
  ASSERT_TRUE(bodytest::exchange(app, second));
  EXPECT_EQ(second.status(), 500);
  EXPECT_EQ(code(second), "internal_server_error");
  EXPECT_EQ(second.responseBody().find("ENOENT"), std::string::npos);
}

TEST_F(MultipartTest, OnFileStreamsWithBackpressure) {
  const std::string big(200 * 1024, 'z');
  const std::string body = file("f", "big.bin", big, "application/octet-stream") + close();
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i < body.size(); i += 16 * 1024)
    parts.push_back(std::string_view(body).substr(i, 16 * 1024));
  TestExchange ex("POST", "/");
  ex.header("Content-Type", std::string(kType));
  ex.chunks(parts, true);
  std::size_t chunksAtFirstRead = 0, received = 0;
  MultipartOptions o;
  o.onFile = [&](UploadedFile& f, std::shared_ptr<stream::Readable<Buffer>> s) -> Promise<> {
    while (auto chunk = co_await s->read()) {
      if (received == 0) {
        // Let the middleware run as far as it can before reading on.
        for (int i = 0; i < 20; ++i) co_await Promise<>::resolve();
        chunksAtFirstRead = ex.chunksRead();
      }
      received += chunk->size();
    }
    f.path = "/handled/" + f.originalname;
  };
  send(o, ex);
  ASSERT_EQ(ex.status(), 200) << ex.responseBody();
  EXPECT_EQ(received, big.size());
  EXPECT_LT(chunksAtFirstRead, parts.size() / 2) << "the body was read ahead of the reader";
  EXPECT_EQ(ex.json()["files"][0]["path"], json::Value("/handled/big.bin"));
  EXPECT_EQ(ex.json()["files"][0]["size"], json::Value(big.size()));
}

TEST_F(MultipartTest, OnFileThatStopsReadingHasTheRestDiscarded) {
  const std::string big(100 * 1024, 'q');
  auto ex = post(file("f", "a.bin", big) + field("after", "yes") + close());
  MultipartOptions o;
  o.onFile = [](UploadedFile&, std::shared_ptr<stream::Readable<Buffer>> s) -> Promise<> {
    (void)co_await s->read();  // one chunk, then done
  };
  send(o, ex);
  ASSERT_EQ(ex.status(), 200) << ex.responseBody();
  EXPECT_EQ(ex.json()["body"]["after"], json::Value("yes"));
  EXPECT_EQ(ex.json()["files"][0]["size"], json::Value(big.size()));
}

TEST_F(MultipartTest, OnFileErrorRejectsTheRequest) {
  auto ex = post(file("f", "a.bin", "data") + close());
  MultipartOptions o;
  o.onFile = [](UploadedFile&, std::shared_ptr<stream::Readable<Buffer>> s) -> Promise<> {
    (void)co_await s->read();
    throw HttpError(422, "virus_found", "EICAR");
  };
  send(o, ex);
  EXPECT_EQ(ex.status(), 422);
  EXPECT_EQ(code(ex), "virus_found");
}

TEST_F(MultipartTest, FilterAndEmptyFileInputsSkipFiles) {
  MultipartOptions o;
  o.fileFilter = [](const UploadedFile& f) { return f.mimetype != "application/x-msdownload"; };
  auto ex =
      post(file("a", "ok.txt", "1") + file("b", "evil.exe", "MZ", "application/x-msdownload") +
           file("c", "", "") + close());
  send(o, ex);
  ASSERT_EQ(ex.status(), 200);
  ASSERT_EQ(ex.json()["files"].size(), 1u);
  EXPECT_EQ(ex.json()["files"][0]["fieldname"], json::Value("a"));
}

TEST_F(MultipartTest, ExtendedFilenameIsDecoded) {
  auto ex = post(
      "------nxBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"f\"; "
      "filename=\"fallback.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\nx\r\n" +
      close());
  send({}, ex);
  ASSERT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.json()["files"][0]["originalname"], json::Value("\xE2\x82\xAC rates.txt"));
  EXPECT_EQ(ex.json()["files"][0]["raw"], json::Value("%E2%82%AC rates.txt"));
}

TEST_F(MultipartTest, EachLimitIs413WithItsCode) {
  struct Case {
    const char* code;
    void (*set)(multipart::Limits&);
    std::string body;
  };
  const Case cases[] = {
      {"limit_file_count", [](multipart::Limits& l) { l.files = 1; },
       file("a", "1", "") + file("b", "2", "") + close()},
      {"limit_field_count", [](multipart::Limits& l) { l.fields = 1; },
       field("a", "") + field("b", "") + close()},
      {"limit_field_value", [](multipart::Limits& l) { l.fieldSize = 3; },
       field("a", "1234") + close()},
      {"limit_field_key", [](multipart::Limits& l) { l.fieldNameSize = 3; },
       field("abcd", "") + close()},
      {"limit_part_count", [](multipart::Limits& l) { l.parts = 2; },
       field("a", "") + field("b", "") + field("c", "") + close()},
      {"limit_header_pairs", [](multipart::Limits& l) { l.headerPairs = 1; },
       file("a", "1", "") + close()},
  };
  for (const Case& c : cases) {
    MultipartOptions o;
    c.set(o.limits);
    auto ex = post(c.body);
    send(o, ex);
    EXPECT_EQ(ex.status(), 413) << c.code;
    EXPECT_EQ(code(ex), c.code);
  }
}

TEST_F(MultipartTest, MissingOrInvalidBoundaryIs400) {
  auto none = post(close(), "multipart/form-data");
  send({}, none);
  EXPECT_EQ(none.status(), 400);
  EXPECT_EQ(code(none), "invalid_multipart_boundary");
  auto bad = post(close(), "multipart/form-data; boundary=" + std::string(71, 'a'));
  send({}, bad);
  EXPECT_EQ(bad.status(), 400);
  EXPECT_EQ(code(bad), "invalid_multipart_boundary");
}

TEST_F(MultipartTest, TruncatedBodyIs400Malformed) {
  auto ex = post(field("a", "1"));
  send({}, ex);
  EXPECT_EQ(ex.status(), 400);
  EXPECT_EQ(code(ex), "malformed_multipart");
}

TEST_F(MultipartTest, WholeBodyLimitIs413) {
  MultipartOptions o;
  o.limit = 64;
  auto ex = post(field("a", std::string(100, 'x')) + close());
  send(o, ex);
  EXPECT_EQ(ex.status(), 413);
  EXPECT_EQ(code(ex), "payload_too_large");
  EXPECT_EQ(ex.chunksRead(), 0u);
  const std::string body = field("a", std::string(100, 'x')) + close();
  TestExchange chunked("POST", "/");
  chunked.header("Content-Type", std::string(kType));
  chunked.chunks({std::string_view(body).substr(0, 50), std::string_view(body).substr(50)}, true);
  send(o, chunked);
  EXPECT_EQ(chunked.status(), 413);
  EXPECT_EQ(code(chunked), "payload_too_large");
}

TEST_F(MultipartTest, SkipsOtherTypesAndParsedBodies) {
  auto json = post("{}", "application/json");
  send({}, json);
  EXPECT_EQ(json.status(), 200);
  EXPECT_TRUE(json.json()["body"].isNull());

  App app;
  app.use(mw::text({.type = "*/*"}));
  app.use(mw::multipart());
  app.post("/", describe);
  auto ex = post(field("a", "1") + close());
  ASSERT_TRUE(bodytest::exchange(app, ex));
  EXPECT_TRUE(ex.json()["body"].isString());
  EXPECT_EQ(ex.json()["files"].size(), 0u);
}

}  // namespace
}  // namespace nx::web
