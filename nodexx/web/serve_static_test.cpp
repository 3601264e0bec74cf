// SPDX-License-Identifier: MIT
#include "nodexx/web/serve_static.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/fs/fs.hpp"
#include "nodexx/http/agent.hpp"
#include "nodexx/http/fetch.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/testing/inject.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/web/testdata/files_oracle/oracle.hpp"

namespace nx::web {
namespace {

namespace stdfs = std::filesystem;
using Fields = std::vector<std::pair<std::string, std::string>>;

using nx::web::testing::openDescriptorsOf;
using nx::web::testing::writeFile;

Promise<> injectInto(App& app, std::string method, std::string url, Fields h,
                     nx::web::InjectResponse& out) {
  // InjectOptions takes its fields as an initializer list: spell out the counts the tests use.
  switch (h.size()) {
    case 0: {
      nx::web::InjectOptions o{.method = method, .url = url};
      out = co_await nx::web::inject(app, o);
      break;
    }
    case 1: {
      nx::web::InjectOptions o{
          .method = method, .url = url, .headers = {{h[0].first, h[0].second}}};
      out = co_await nx::web::inject(app, o);
      break;
    }
    case 2: {
      nx::web::InjectOptions o{.method = method,
                               .url = url,
                               .headers = {{h[0].first, h[0].second}, {h[1].first, h[1].second}}};
      out = co_await nx::web::inject(app, o);
      break;
    }
    default:
      ADD_FAILURE() << "too many fields";
  }
}

class ServeStaticTest : public nx::testing::FreshLoop {
 protected:
  void SetUp() override {
    dir = nx::web::testing::freshTestDir("nx_serve_static");
    writeFile(dir / "hello.txt", "hello world");
    writeFile(dir / "page.html", "<p>page</p>");
    writeFile(dir / ".secret", "token");
    writeFile(dir / ".well/known.txt", "known");
    writeFile(dir / "sub/index.html", "<h1>index</h1>");
    writeFile(dir / "sub/nested.txt", "nested");
    writeFile(dir / "100%.txt", "percent");
    writeFile(dir / "sp ace.txt", "space");
    stdfs::create_directories(dir / "emptydir");
    root = dir.string();
  }
  void TearDown() override { stdfs::remove_all(dir); }

  nx::web::InjectResponse get(App& app, std::string url, Fields h = {},
                              std::string method = "GET") {
    nx::web::InjectResponse out;
    Promise<> p = injectInto(app, std::move(method), std::move(url), std::move(h), out);
    loop.run();
    EXPECT_FALSE(p.isPending()) << "no response";
    EXPECT_FALSE(p.isRejected());
    return out;
  }

  nx::web::InjectResponse get(App&& app, std::string url, Fields h = {},
                              std::string method = "GET") {
    return get(app, std::move(url), std::move(h), std::move(method));
  }

  static std::string header(const nx::web::InjectResponse& r, std::string_view name) {
    return std::string(r.header(name).value_or(""));
  }

  /// An app with the static middleware and, after it, a route and a 404 marker that show
  /// what fell through.
  App appWith(mw::ServeStaticOptions options = {}) {
    App app;
    app.use(mw::serveStatic(root, std::move(options)));
    app.post("/hello.txt", [](Request&, Response& res) { res.send("posted"); });
    app.use([](Request&, Response& res) {
      res.status(404).set("X-Fell-Through", "1").send("fell through");
    });
    return app;
  }

  stdfs::path dir;
  std::string root;
};

TEST_F(ServeStaticTest, ServesFilesBelowTheRoot) {
  App app = appWith();
  const auto r = get(app, "/hello.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(header(r, "content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(header(r, "cache-control"), "public, max-age=0");
  EXPECT_TRUE(header(r, "etag").starts_with("W/\"b-"));
  EXPECT_FALSE(header(r, "last-modified").empty());
  EXPECT_EQ(get(app, "/sub/nested.txt").body, "nested");
  EXPECT_EQ(get(app, "/100%25.txt").body, "percent");
  EXPECT_EQ(get(app, "/sp%20ace.txt").body, "space");
}

TEST_F(ServeStaticTest, ConditionalAndRangeRequests) {
  App app = appWith();
  const std::string tag = header(get(app, "/hello.txt"), "etag");
  EXPECT_EQ(get(app, "/hello.txt", {{"If-None-Match", tag}}).status, 304);
  const auto r = get(app, "/hello.txt", {{"Range", "bytes=6-"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "world");
  EXPECT_EQ(header(r, "content-range"), "bytes 6-10/11");
  const auto bad = get(app, "/hello.txt", {{"Range", "bytes=20-"}});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(header(bad, "content-range"), "bytes */11");
  EXPECT_TRUE(header(bad, "content-type").starts_with("application/problem+json"));
  const auto head = get(app, "/hello.txt", {}, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(ServeStaticTest, DirectoryWithoutSlashRedirectsKeepingTheQuery) {
  App app = appWith();
  const auto r = get(app, "/sub?x=1&y=%20");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(header(r, "location"), "/sub/?x=1&y=%20");
  EXPECT_EQ(header(r, "content-type"), "text/html; charset=UTF-8");
  EXPECT_EQ(header(r, "content-security-policy"), "default-src 'none'");
  EXPECT_NE(r.body.find("Redirecting to /sub/?x=1&amp;y=%20"), std::string::npos) << r.body;
  EXPECT_EQ(get(app, "//sub").status, 301);
  EXPECT_EQ(header(get(app, "//sub"), "location"), "/sub/");
}

TEST_F(ServeStaticTest, MountPointItselfRedirectsToItsSlash) {
  App app;
  app.use("/static", mw::serveStatic(root));
  const auto r = get(app, "/static");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(header(r, "location"), "/static/");
  EXPECT_EQ(get(app, "/static/hello.txt").body, "hello world");
}

TEST_F(ServeStaticTest, IndexFileServedForSlashAndCanBeTurnedOff) {
  App app = appWith();
  EXPECT_EQ(get(app, "/sub/").body, "<h1>index</h1>");
  EXPECT_EQ(header(get(app, "/emptydir/"), "x-fell-through"), "1");
  App noIndex = appWith({.index = {}});
  EXPECT_EQ(header(get(noIndex, "/sub/"), "x-fell-through"), "1");
  App custom = appWith({.index = {"nested.txt"}});
  EXPECT_EQ(get(custom, "/sub/").body, "nested");
}

TEST_F(ServeStaticTest, RedirectCanBeTurnedOff) {
  App app = appWith({.redirect = false});
  EXPECT_EQ(header(get(app, "/sub"), "x-fell-through"), "1");
}

TEST_F(ServeStaticTest, ExtensionsAreTriedForMissingPaths) {
  App app = appWith({.extensions = {"txt", "html"}});
  EXPECT_EQ(get(app, "/hello").body, "hello world");
  EXPECT_EQ(get(app, "/page").body, "<p>page</p>");
}

TEST_F(ServeStaticTest, MissingFilesFallThroughOrFailWithoutFallthrough) {
  App app = appWith();
  auto r = get(app, "/nope.txt");
  EXPECT_EQ(header(r, "x-fell-through"), "1");
  App strict = appWith({.fallthrough = false});
  r = get(strict, "/nope.txt");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(header(r, "x-fell-through"), "");
  EXPECT_TRUE(header(r, "content-type").starts_with("application/problem+json"));
  EXPECT_EQ(r.json()["code"].asString(), "not_found");
}

TEST_F(ServeStaticTest, OtherMethodsFallThroughOrGet405) {
  App app = appWith();
  EXPECT_EQ(get(app, "/hello.txt", {}, "POST").body, "posted");
  App strict = appWith({.fallthrough = false});
  const auto r = get(strict, "/hello.txt", {}, "DELETE");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "allow"), "GET, HEAD");
}

TEST_F(ServeStaticTest, DotfilesPolicy) {
  EXPECT_EQ(header(get(appWith(), "/.secret"), "x-fell-through"), "1");
  EXPECT_EQ(get(appWith({.fallthrough = false}), "/.secret").status, 404);
  EXPECT_EQ(get(appWith({.fallthrough = false, .dotfiles = Dotfiles::Deny}), "/.secret").status,
            403);
  EXPECT_EQ(get(appWith({.dotfiles = Dotfiles::Allow}), "/.secret").body, "token");
  EXPECT_EQ(get(appWith({.dotfiles = Dotfiles::Allow}), "/.well/known.txt").body, "known");
}

TEST_F(ServeStaticTest, HostilePathsNeverLeaveTheRoot) {
  writeFile(dir.parent_path() / ("nx_outside_" + std::to_string(::getpid()) + ".txt"), "outside");
  const std::string outside = "nx_outside_" + std::to_string(::getpid()) + ".txt";
  App strict = appWith({.fallthrough = false});
  struct Case {
    std::string url;
    int status;
  };
  const std::vector<Case> cases = {
      {"/../" + outside, 403},
      {"/%2e%2e/" + outside, 403},
      {"/%2E%2E/" + outside, 403},
      {"/..%2f" + outside, 403},
      {"/..%2F" + outside, 403},
      {"/sub/..%2f..%2f" + outside, 403},
      {"/sub/%2e%2e/%2e%2e/" + outside, 403},
      {"/%2e%2e%5c" + outside, 403},
      {"/..%5c" + outside, 403},
      {"/.%2e/" + outside, 403},
      {"/%00", 400},
      {"/hello.txt%00.png", 400},
      {"/%zz", 400},
      {"/%c0%ae%c0%ae/" + outside, 400},  // overlong UTF-8 dots: decodeURIComponent rejects them
      {"/%e0%80%ae", 400},
      {"//etc/passwd", 404},  // absolute-looking paths stay below the root
      {"/%2fetc%2fpasswd", 404},
      // send normalises before it looks for '..': a climb that stays inside the root is fine.
      {"/sub/%2e%2e/hello.txt", 200},
  };
  for (const Case& c : cases) {
    const auto r = get(strict, c.url);
    EXPECT_EQ(r.status, c.status) << c.url;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << c.url;
  }
  // With fallthrough the client errors go on to the next middleware, never to the file.
  App app = appWith();
  for (const Case& c : cases) {
    const auto r = get(app, c.url);
    if (c.status != 200) {
      EXPECT_EQ(header(r, "x-fell-through"), "1") << c.url;
    }
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << c.url;
  }
  stdfs::remove(dir.parent_path() / outside);
}

TEST_F(ServeStaticTest, CacheControlOptionsAndSetHeadersHook) {
  std::vector<std::string> seen;
  App app =
      appWith({.maxAge = std::chrono::hours(1),
               .immutable = true,
               .setHeaders = [&seen](Response& res, std::string_view path, const fs::Stats& st) {
                 seen.emplace_back(path);
                 res.set("X-Size", std::to_string(st.size));
                 res.set("Cache-Control", "no-store");
               }});
  const auto r = get(app, "/hello.txt");
  EXPECT_EQ(header(r, "x-size"), "11");
  EXPECT_EQ(header(r, "cache-control"), "no-store");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (dir / "hello.txt").string());
  App plain = appWith({.maxAge = std::chrono::hours(1), .immutable = true});
  EXPECT_EQ(header(get(plain, "/hello.txt"), "cache-control"), "public, max-age=3600, immutable");
}

TEST_F(ServeStaticTest, EmptyRootThrows) {
  try {
    (void)mw::serveStatic("");
    FAIL() << "no throw";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
  }
}

TEST_F(ServeStaticTest, SendFileAndDownloadThroughResponse) {
  App app;
  const std::string r = root;
  app.get("/send", [r](Request&, Response& res) -> Promise<> {
    SendFileOptions o;
    o.root = r;
    co_await res.sendFile("hello.txt", o);
  });
  app.get("/missing", [r](Request&, Response& res) -> Promise<> {
    SendFileOptions o;
    o.root = r;
    co_await res.sendFile("nope.txt", o);
  });
  app.get("/relative",
          [](Request&, Response& res) -> Promise<> { co_await res.sendFile("hello.txt"); });
  app.get("/download", [r](Request&, Response& res) -> Promise<> {
    co_await res.download(r + "/sub/nested.txt", "report \xe2\x82\xac.txt");
  });
  app.get("/download-opts", [r](Request&, Response& res) -> Promise<> {
    static constexpr HeaderField kFields[] = {{"Content-Disposition", "inline"}, {"X-A", "1"}};
    SendFileOptions o;
    o.root = r;
    o.headers = kFields;
    co_await res.download("sub/nested.txt", "", o);
  });
  auto s = get(app, "/send");
  EXPECT_EQ(s.body, "hello world");
  EXPECT_EQ(get(app, "/send", {{"Range", "bytes=0-4"}}).body, "hello");
  auto m = get(app, "/missing");
  EXPECT_EQ(m.status, 404);
  EXPECT_EQ(m.json()["code"].asString(), "not_found");
  EXPECT_EQ(get(app, "/relative").status, 500);
  auto d = get(app, "/download");
  EXPECT_EQ(d.body, "nested");
  EXPECT_EQ(header(d, "content-disposition"),
            "attachment; filename=\"report ?.txt\"; filename*=UTF-8''report%20%E2%82%AC.txt");
  auto o = get(app, "/download-opts");
  EXPECT_EQ(o.body, "nested");
  EXPECT_EQ(header(o, "x-a"), "1");
  EXPECT_EQ(header(o, "content-disposition"), "attachment; filename=nested.txt");
}

TEST_F(ServeStaticTest, ClientAbortDuringSendFileClosesTheFileOverRealHttp) {
  const stdfs::path file = dir / "huge.bin";
  {
    std::ofstream f(file, std::ios::binary);
    f.seekp(256 * 1024 * 1024 - 1);
    f.put('x');
  }
  App app;
  int settled = 0;
  const std::string path = file.string();
  app.get("/big", [&settled, path](Request&, Response& res) -> Promise<> {
    co_await res.sendFile(path);
    ++settled;  // an abort is not an error: the promise resolves
  });
  http::Server server = app.listen(0, "127.0.0.1");
  http::Agent agent;
  int during = -1;
  auto task = [](http::Server& s, http::Agent& a, const stdfs::path& f, int& open) -> Promise<> {
    AbortController controller;
    http::FetchInit init;
    init.agent = &a;
    init.signal = controller.signal();
    init.maxResponseBytes = 0;
    auto res =
        co_await http::fetch("http://127.0.0.1:" + std::to_string(s.address().port) + "/big", init);
    auto chunk = co_await res.body()->read();
    EXPECT_TRUE(chunk.has_value());
    open = openDescriptorsOf(f);
    controller.abort();
    a.destroy();
    co_await s.close(std::chrono::seconds(5));
  };
  Promise<> p = task(server, agent, file, during);
  loop.run();
  EXPECT_FALSE(p.isPending());
  EXPECT_EQ(during, 1);
  EXPECT_EQ(settled, 1);
  EXPECT_EQ(openDescriptorsOf(file), 0);
}

// ---- express.static as the oracle -------------------------------------------------------------

std::string jsonOrNull(std::optional<std::string_view> v) {
  return v ? nx::web::testing::jsonBytes(*v) : "null";
}

TEST_F(ServeStaticTest, MatchesExpressStatic) {
  if (auto why = nx::web::testing::oracleUnavailable(); !why.empty()) GTEST_SKIP() << why;
  App app;
  app.use("/d", mw::serveStatic(root));
  app.use("/m",
          mw::serveStatic(root, {.maxAge = std::chrono::milliseconds(3600500), .immutable = true}));
  app.use("/f", mw::serveStatic(root, {.fallthrough = false}));
  app.use("/a", mw::serveStatic(root, {.dotfiles = Dotfiles::Allow}));
  app.use("/x", mw::serveStatic(root, {.dotfiles = Dotfiles::Deny}));
  app.use("/n", mw::serveStatic(root, {.index = {}}));
  app.use("/r", mw::serveStatic(root, {.redirect = false}));
  app.use("/e", mw::serveStatic(root, {.extensions = {"html"}}));
  app.use("/c", mw::serveStatic(root, {.cacheControl = false,
                                       .lastModified = false,
                                       .etag = false,
                                       .acceptRanges = false}));
  app.use(mw::serveStatic(root));
  app.use([](Request&, Response& res) { res.status(404).end(); });

  const std::string tag = header(get(app, "/hello.txt"), "etag");
  const std::string lm = header(get(app, "/hello.txt"), "last-modified");
  struct Req {
    std::string method;
    std::string url;
    Fields headers;
  };
  std::vector<Req> reqs;
  for (std::string prefix : {"/d", "/m", "/f", "/a", "/x", "/n", "/r", "/e", "/c", ""}) {
    for (std::string path : {"/hello.txt",
                             "/page.html",
                             "/page",
                             "/sub",
                             "/sub/",
                             "/sub?q=1",
                             "/sub/nested.txt",
                             "/emptydir",
                             "/emptydir/",
                             "/nope",
                             "/nope.txt",
                             "/.secret",
                             "/.well/known.txt",
                             "/%2e%2e/hello.txt",
                             "/..%2fhello.txt",
                             "/sub/%2e%2e/hello.txt",
                             "/%00",
                             "/%zz",
                             "/100%25.txt",
                             "/sp%20ace.txt",
                             "//sub",
                             "/hello.txt/"}) {
      reqs.push_back({"GET", prefix + path, {}});
    }
    if (prefix.empty()) {
      reqs.push_back({"GET", "/", {}});
    } else {
      reqs.push_back({"GET", prefix, {}});
      reqs.push_back({"GET", prefix + "?a=b", {}});
    }
    reqs.push_back({"HEAD", prefix + "/hello.txt", {}});
    reqs.push_back({"POST", prefix + "/hello.txt", {}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"If-None-Match", tag}}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"If-Modified-Since", lm}}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"If-Match", "\"nope\""}}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"Range", "bytes=0-4"}}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"Range", "bytes=-3"}}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"Range", "bytes=0-1,4-5"}}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"Range", "bytes=40-50"}}});
    reqs.push_back({"GET", prefix + "/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", tag}}});
    reqs.push_back(
        {"GET", prefix + "/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "\"old\""}}});
  }

  std::vector<std::string> input;
  std::vector<std::string> mine;
  for (const Req& q : reqs) {
    std::string h = "{";
    for (std::size_t i = 0; i < q.headers.size(); ++i) {
      if (i) h += ",";
      h += nx::web::testing::jsonBytes(q.headers[i].first) + ":" +
           nx::web::testing::jsonBytes(q.headers[i].second);
    }
    input.push_back("[" + nx::web::testing::jsonBytes(q.method) + "," +
                    nx::web::testing::jsonBytes(q.url) + "," + h + "}]");
    const auto r = get(app, q.url, q.headers, q.method);
    const bool ok = r.status < 300 || r.status == 304;
    auto field = [&](std::string_view name, bool when = true) {
      return when ? jsonOrNull(r.header(name)) : std::string("null");
    };
    mine.push_back(
        "{\"status\":" + std::to_string(r.status) + ",\"etag\":" + field("etag", r.status < 400) +
        ",\"lastModified\":" + field("last-modified") + ",\"cacheControl\":" +
        field("cache-control", ok) + ",\"acceptRanges\":" + field("accept-ranges", ok) +
        ",\"contentRange\":" + field("content-range") + ",\"contentLength\":" +
        field("content-length", ok) + ",\"contentType\":" + field("content-type", ok) +
        ",\"location\":" + field("location") + ",\"allow\":" + field("allow") + ",\"body\":" +
        (ok && r.body.size() <= 64 ? nx::web::testing::jsonBytes(r.body) : "null") + "}");
  }
  // The requests go to node in a file; the root is the same folder.
  const std::vector<std::string> expected = nx::web::testing::runOracle(
      "nodexx/web/testdata/files_oracle/static_server.js", input, {root});
  ASSERT_EQ(expected.size(), input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    EXPECT_EQ(mine[i], expected[i]) << "request " << input[i];
  }
}

}  // namespace
}  // namespace nx::web
