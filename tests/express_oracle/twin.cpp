// SPDX-License-Identifier: MIT
// The nodexx twin of express_app.js: the same three apps with the same routes, in the same
// order. `express_oracle_twin <files-dir>` listens on three ports of 127.0.0.1 (port 0 each)
// and prints `{"main":P,"ext":P,"strict":P}`; run.py sends the scenarios of scenarios.py to
// both programs and compares the answers. Each handler below mirrors the JavaScript one of the
// same path; where the two frameworks differ on purpose, scenarios.py says so.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/json/value.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/body_parser.hpp"
#include "nodexx/web/send_file.hpp"

namespace {

using nx::json::Array;
using nx::json::Object;
using nx::json::Value;
using nx::web::HttpError;
using nx::web::Next;
using nx::web::Request;
using nx::web::Response;

// The folder the sendFile routes serve (argv[1]); lives until the process exits.
std::string gFiles;

void trail(Response& res, std::string_view step) { res.append("X-Trail", step); }

// req.params as Express 5 shows it: a wildcard parameter is the array of its segments.
Value paramsJson(const Request& req) {
  Object out;
  for (const auto& p : req.params()) {
    if (p.wildcard) {
      Array segments;
      for (auto& s : req.params().segments(p.name)) segments.emplace_back(s);
      out.set(p.name, Value(std::move(segments)));
    } else {
      out.set(p.name, Value(p.value));
    }
  }
  return Value(std::move(out));
}

Value objectWith(std::string_view key, Value value) {
  Object o;
  o.set(key, std::move(value));
  return Value(std::move(o));
}

Value where(const Request& req) {
  Object o;
  o.set("baseUrl", Value(req.baseUrl()));
  o.set("originalUrl", Value(req.originalUrl()));
  o.set("url", Value(req.url()));
  o.set("path", Value(req.path()));
  return Value(std::move(o));
}

// {"body": req.body} where an unparsed body (null here, undefined in Express) leaves the key
// out, as JSON.stringify does with undefined.
Value bodyJson(const Request& req) {
  Object o;
  if (!req.body().isNull()) o.set("body", req.body());
  return Value(std::move(o));
}

Value cookiesJson(const nx::web::Cookies& cookies) {
  Object o;
  for (const auto& [name, value] : cookies) {
    if (!o.contains(name)) o.set(name, Value(value));
  }
  return Value(std::move(o));
}

// ---- main app ------------------------------------------------------------------------------

void routing(nx::web::App& app) {
  app.get("/order", [](Request&, Response& res, Next next) {
    trail(res, "first");
    next();
  });
  app.get("/order", [](Request&, Response& res) {
    trail(res, "second");
    res.send("order");
  });

  app.get("/users/me", [](Request&, Response& res) { res.send("me"); });
  app.get("/users/:id", [](Request& req, Response& res) {
    Object o;
    o.set("route", Value("user"));
    o.set("params", paramsJson(req));
    res.json(Value(std::move(o)));
  });
  app.get("/users/:id/books/:bookId",
          [](Request& req, Response& res) { res.json(objectWith("params", paramsJson(req))); });
  app.get("/late/:id", [](Request& req, Response& res) {
    Object o;
    o.set("route", Value("param"));
    o.set("params", paramsJson(req));
    res.json(Value(std::move(o)));
  });
  app.get("/late/static", [](Request&, Response& res) { res.send("static"); });

  auto echoParams = [](Request& req, Response& res) {
    res.json(objectWith("params", paramsJson(req)));
  };
  app.get("/opt{/:id}", echoParams);
  app.get("/file/:name{.:ext}", echoParams);
  app.get("/files/*path", echoParams);
  app.get("/both/:a-:b", echoParams);
}

void mounting(nx::web::App& app) {
  nx::web::Router api;
  api.get("/info", [](Request& req, Response& res) { res.json(where(req)); });
  nx::web::Router v1;
  v1.get("/deep/:x", [](Request& req, Response& res) {
    Value w = where(req);
    w.set("params", paramsJson(req));
    res.json(w);
  });
  api.use("/v1", v1);
  app.use("/api", api);
  app.use("/mw", [](Request& req, Response& res) { res.json(where(req)); });

  nx::web::Router merged(nx::web::RouterOptions{.mergeParams = true});
  merged.get("/:itemId",
             [](Request& req, Response& res) { res.json(objectWith("params", paramsJson(req))); });
  app.use("/shops/:shopId/items", merged);
  nx::web::Router unmerged;
  unmerged.get("/:itemId", [](Request& req, Response& res) {
    res.json(objectWith("params", paramsJson(req)));
  });
  app.use("/stores/:shopId/items", unmerged);

  app.param("pid", [](Request&, Response& res, Next next, std::string_view value) {
    trail(res, "param:" + std::string(value));
    if (value == "missing") {
      next(HttpError(404, "not_found", "no such pid"));
      return;
    }
    next();
  });
  app.get("/p/:pid", [](Request&, Response& res, Next next) {
    trail(res, "route1");
    next();
  });
  app.get("/p/:pid", [](Request& req, Response& res) {
    trail(res, "route2");
    res.json(objectWith("params", paramsJson(req)));
  });

  app.get(
      "/nr/:id",
      [](Request& req, Response&, Next next) {
        if (req.param("id") == "skip") {
          next("route");
        } else {
          next();
        }
      },
      [](Request&, Response& res) { res.send("first"); });
  app.get("/nr/:id", [](Request&, Response& res) { res.send("second"); });
  nx::web::Router skipper;
  skipper.use([](Request& req, Response&, Next next) {
    if (req.get("X-Skip")) {
      next("router");
    } else {
      next();
    }
  });
  skipper.get("/x", [](Request&, Response& res) { res.send("inside"); });
  app.use("/nrr", skipper);
  app.get("/nrr/x", [](Request&, Response& res) { res.send("after"); });

  app.get("/multi", [](Request&, Response& res) { res.send("get"); });
  app.post("/multi", [](Request&, Response& res) { res.send("post"); });
  app.put("/multi", [](Request&, Response& res) { res.send("put"); });
  app.all("/any", [](Request& req, Response& res) { res.send(req.method()); });
}

nx::Promise<> asyncBoom(Request&, Response&) {
  co_await nx::Promise<>::resolve();
  throw HttpError(409, "conflict", "async boom");
}

nx::Promise<> asyncUnavailable(Request&, Response&) {
  co_await nx::Promise<>::resolve();
  throw HttpError(503, "service_unavailable", "unavailable");
}

void errors(nx::web::App& app) {
  nx::web::Router errs;
  errs.get("/sync", [](Request&, Response&) { throw HttpError(418, "teapot", "sync boom"); });
  errs.get("/async", asyncBoom);
  errs.get("/next", [](Request&, Response&, Next next) {
    next(HttpError(422, "unprocessable_entity", "next boom"));
  });
  errs.get("/plain", [](Request&, Response&) { throw std::runtime_error("plain boom"); });
  errs.get(
      "/chain",
      [](Request&, Response&, Next next) { next(HttpError(400, "bad_request", "chain boom")); },
      [](Request&, Response& res) { res.send("never"); });
  errs.use([](Request&, Response& res, Next next) {
    trail(res, "skipped?");
    next();
  });
  errs.use([](std::exception_ptr e, Request&, Response& res, Next next) {
    trail(res, "err1");
    next(e);
  });
  errs.use([](std::exception_ptr e, Request&, Response& res, Next) {
    trail(res, "err2");
    int status = 500;
    std::string message;
    try {
      std::rethrow_exception(e);
    } catch (const HttpError& h) {
      status = h.status();
      message = h.what();
    } catch (const std::exception& x) {
      message = x.what();
    }
    res.status(status).json(objectWith("message", Value(message)));
  });
  app.use("/err", errs);
  app.get("/boom", [](Request&, Response&) { throw std::runtime_error("unhandled"); });
  app.get("/boom-async", asyncUnavailable);
}

void responses(nx::web::App& app) {
  app.get("/res/json", [](Request&, Response& res) {
    Object o;
    o.set("a", Value(1));
    Array b;
    b.emplace_back(true);
    b.emplace_back(nullptr);
    b.emplace_back(2.5);
    o.set("b", Value(std::move(b)));
    o.set("s", Value("é\"\n"));
    res.json(Value(std::move(o)));
  });
  app.get("/res/json-escapes", [](Request&, Response& res) {
    res.json(objectWith("s", Value("<a href=\"x\">\u2028\u0001\\é😀</a>")));
  });
  app.get("/res/send-string", [](Request&, Response& res) { res.send("<p>hi</p>"); });
  app.get("/res/send-buffer",
          [](Request&, Response& res) { res.send(nx::Buffer::from(std::string_view("bytes"))); });
  app.get("/res/send-status", [](Request&, Response& res) { res.sendStatus(201); });
  app.get("/res/status-json",
          [](Request&, Response& res) { res.status(202).json(objectWith("queued", Value(true))); });
  app.get("/res/type", [](Request&, Response& res) { res.type("json").send(R"({"x":1})"); });
  app.get("/res/redirect", [](Request&, Response& res) { res.redirect("/target?q=a b&x=<y>"); });
  app.get("/res/redirect301",
          [](Request&, Response& res) { res.redirect(301, "http://example.com/ä?x=1"); });
  app.get("/res/cookie", [](Request&, Response& res) {
    using namespace std::chrono;
    res.cookie("plain", "v 1");
    // Option structs are filled member by member: g++ 12's -Wmissing-field-initializers
    // rejects designated initializers that leave members without an initializer out.
    nx::web::CookieOptions full;
    full.expires = time_point_cast<system_clock::duration>(sys_days(year(2030) / January / 2) +
                                                           hours(3) + minutes(4) + seconds(5));
    full.domain = "example.com";
    full.path = "/p";
    full.secure = true;
    full.httpOnly = true;
    full.sameSite = "Strict";
    res.cookie("full", "x", full);
    nx::web::CookieOptions aged;
    aged.maxAge = milliseconds(60000);
    aged.sameSite = "Lax";
    res.cookie("aged", "1", aged);
    res.send("cookies");
  });
  app.get("/res/cookie-signed", [](Request&, Response& res) {
    nx::web::CookieOptions options;
    options.httpOnly = true;
    options.sign = true;
    res.cookie("sid", "abc123", options);
    res.send("signed");
  });
  app.get("/res/clear-cookie", [](Request&, Response& res) {
    nx::web::CookieOptions options;
    options.path = "/";
    options.httpOnly = true;
    res.clearCookie("sid", options);
    res.send("cleared");
  });
  app.get("/req/cookies", [](Request& req, Response& res) {
    Object o;
    o.set("cookies", cookiesJson(req.cookies()));
    o.set("signed", cookiesJson(req.signedCookies()));
    res.json(Value(std::move(o)));
  });
  app.get("/res/vary", [](Request&, Response& res) {
    res.vary("Accept").vary("Origin").vary("accept");
    res.send("vary");
  });
  app.get("/res/attachment", [](Request&, Response& res) {
    res.attachment("résumé report.pdf");
    res.send("pdf");
  });
  app.get("/res/format", [](Request&, Response& res) {
    res.format({{"text/plain", [&res] { res.send("plain"); }},
                {"application/json", [&res] { res.json(objectWith("format", Value("json"))); }}});
  });
  app.get("/res/download", [](Request&, Response& res) {
    return res.download("hello.txt", "greeting.txt", nx::web::SendFileOptions{.root = gFiles});
  });

  app.get("/res/json-null", [](Request&, Response& res) { res.json(Value(nullptr)); });
  app.get("/res/no-content", [](Request&, Response& res) { res.status(204).send("ignored"); });
  app.get("/res/set-type", [](Request&, Response& res) {
    res.set("Content-Type", "text/plain");
    res.send("typed");
  });
  app.get("/res/teapot", [](Request&, Response& res) { res.sendStatus(418); });
  app.get("/res/links", [](Request&, Response& res) {
    res.links({{"next", "http://api.example.com/users?page=2"},
               {"last", "http://api.example.com/users?page=5"}});
    res.send("links");
  });
  app.get("/res/attachment-bare", [](Request&, Response& res) {
    res.attachment();
    res.send("bare");
  });
  app.get("/res/cookie-extra", [](Request&, Response& res) {
    nx::web::CookieOptions p;
    p.secure = true;
    p.partitioned = true;
    p.priority = "High";
    p.sameSite = "None";
    res.cookie("p", "1", p);
    nx::web::CookieOptions old;
    old.maxAge = std::chrono::milliseconds(1000);
    old.path = "/x";
    res.clearCookie("old", old);
    res.send("extra");
  });
  app.get("/res/download-utf8", [](Request&, Response& res) {
    return res.download("hello.txt", "naïve €.txt", nx::web::SendFileOptions{.root = gFiles});
  });
  app.get("/req/info", [](Request& req, Response& res) {
    Object o;
    o.set("hostname", Value(req.hostname()));
    o.set("protocol", Value(req.protocol()));
    o.set("secure", Value(req.secure()));
    o.set("xhr", Value(req.xhr()));
    o.set("ip", Value(req.ip()));
    o.set("method", Value(req.method()));
    res.json(Value(std::move(o)));
  });
  app.get("/req/accepts", [](Request& req, Response& res) {
    const auto type = req.accepts({"html", "json"});
    res.json(objectWith("type", type ? Value(*type) : Value(nullptr)));
  });
  app.route("/chained")
      .get([](Request&, Response& res) { res.send("chained get"); })
      .post([](Request&, Response& res) { res.send("chained post"); });
  app.param("first", [](Request&, Response& res, Next next, std::string_view value) {
    trail(res, "first:" + std::string(value));
    next();
  });
  app.param("second", [](Request&, Response& res, Next next, std::string_view value) {
    trail(res, "second:" + std::string(value));
    next();
  });
  app.get("/pp/:second/:first",
          [](Request& req, Response& res) { res.json(objectWith("params", paramsJson(req))); });

  app.get("/sf/:name", [](Request& req, Response& res) {
    return res.sendFile(std::string(req.param("name")), nx::web::SendFileOptions{.root = gFiles});
  });
  app.get("/sf-cache/:name", [](Request& req, Response& res) {
    nx::web::SendFileOptions options;
    options.root = gFiles;
    options.maxAge = std::chrono::hours(1);
    options.immutable = true;
    return res.sendFile(std::string(req.param("name")), options);
  });
  app.get("/sfw/*path", [](Request& req, Response& res) {
    std::string path;
    for (auto& s : req.params().segments("path")) {
      if (!path.empty()) path += '/';
      path += s;
    }
    return res.sendFile(std::move(path), nx::web::SendFileOptions{.root = gFiles});
  });
}

void queryAndBodies(nx::web::App& app) {
  app.get("/q", [](Request& req, Response& res) { res.json(objectWith("query", req.query())); });
  nx::web::JsonOptions json;
  json.limit = 100;
  app.post("/body/json", nx::mw::json(std::move(json)),
           [](Request& req, Response& res) { res.json(bodyJson(req)); });
  nx::web::UrlencodedOptions form;
  form.extended = false;
  app.post("/body/form", nx::mw::urlencoded(std::move(form)),
           [](Request& req, Response& res) { res.json(bodyJson(req)); });
  app.post("/body/text", nx::mw::text(),
           [](Request& req, Response& res) { res.json(bodyJson(req)); });
}

// ---- the other two apps ----------------------------------------------------------------------

void extApp(nx::web::App& ext) {
  ext.get("/q", [](Request& req, Response& res) { res.json(objectWith("query", req.query())); });
}

void strictApp(nx::web::App& strict, nx::web::App& sub) {
  strict.get("/Caps", [](Request&, Response& res) { res.send("Caps"); });
  strict.get("/slash/", [](Request&, Response& res) { res.send("slash/"); });
  strict.get("/noslash", [](Request&, Response& res) { res.send("noslash"); });
  strict.get("/req/info", [](Request& req, Response& res) {
    Object o;
    o.set("hostname", Value(req.hostname()));
    o.set("protocol", Value(req.protocol()));
    o.set("secure", Value(req.secure()));
    o.set("ip", Value(req.ip()));
    Array ips;
    for (const auto& ip : req.ips()) ips.emplace_back(ip);
    o.set("ips", Value(std::move(ips)));
    res.json(Value(std::move(o)));
  });

  sub.get("/info", [](Request& req, Response& res) {
    Object o;
    o.set("query", req.query());
    o.set("ip", Value(req.ip()));
    o.set("protocol", Value(req.protocol()));
    res.json(Value(std::move(o)));
  });
  sub.get("/etag", [](Request&, Response& res) { res.send("a body with an etag"); });
  strict.use("/sub", sub);
  strict.get("/sub/after", [](Request& req, Response& res) {
    Object o;
    o.set("query", req.query());
    res.json(Value(std::move(o)));
  });
}

nx::web::AppOptions appOptions() {
  nx::web::AppOptions options;
  options.cookieSecrets = {"oracle-secret"};
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: express_oracle_twin <files-dir>\n");
    return 2;
  }
  gFiles = argv[1];

  nx::web::App app(appOptions());
  app.use([](Request&, Response& res, Next next) {
    res.set("X-Global", "yes");
    next();
  });
  routing(app);
  mounting(app);
  errors(app);
  responses(app);
  queryAndBodies(app);

  nx::web::AppOptions extOptions = appOptions();
  extOptions.queryParser = nx::web::QueryParser::Extended;
  nx::web::App ext(extOptions);
  extApp(ext);
  nx::web::AppOptions strictOptions = appOptions();
  strictOptions.caseSensitiveRouting = true;
  strictOptions.strictRouting = true;
  strictOptions.trustProxy = "loopback";
  strictOptions.jsonSpaces = 2;
  nx::web::App strict(strictOptions);
  nx::web::AppOptions subOptions;
  subOptions.etag = nx::web::ETagMode::Strong;
  subOptions.queryParser = nx::web::QueryParser::Extended;
  nx::web::App sub(subOptions);
  strictApp(strict, sub);

  // The apps outlive their servers: the servers are destroyed first, at the end of main.
  nx::http::Server mainServer = app.listen(0, "127.0.0.1");
  nx::http::Server extServer = ext.listen(0, "127.0.0.1");
  nx::http::Server strictServer = strict.listen(0, "127.0.0.1");
  std::printf("{\"main\":%d,\"ext\":%d,\"strict\":%d}\n", mainServer.address().port,
              extServer.address().port, strictServer.address().port);
  std::fflush(stdout);

  // SIGTERM closes the servers; the loop then empties and main returns, so that a sanitizer
  // build reports leaks at exit (run.py checks the exit code and stderr).
  bool closing = false;
  nx::process::on(nx::Signal::Term, [&](nx::Signal) {
    if (closing) return;
    closing = true;
    (void)mainServer.close(std::chrono::seconds(2));
    (void)extServer.close(std::chrono::seconds(2));
    (void)strictServer.close(std::chrono::seconds(2));
  });
  return nx::run();
}
