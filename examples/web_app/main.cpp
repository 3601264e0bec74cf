// SPDX-License-Identifier: MIT
// A small Express-style API: middleware, a router mounted under /api, route params, JSON,
// errors as problem+json, an onion timing middleware, and graceful shutdown.
//
//   example_web_app            serves on http://localhost:3000 until SIGTERM/SIGINT
//   example_web_app --smoke    serves on a free port, calls itself a few times, exits 0
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/http/fetch.hpp"
#include "nodexx/web/app.hpp"

using namespace nx;

namespace bookstore {

struct Book {
  int id = 0;
  std::string title;
  std::string author;
};
NX_JSON(Book, id, title, author)

}  // namespace bookstore

namespace {

using bookstore::Book;

std::map<int, Book> gBooks = {{1, {1, "Dune", "Frank Herbert"}},
                              {2, {2, "Neuromancer", "William Gibson"}}};

web::Router booksRouter() {
  web::Router books;
  books.get("/", [](web::Request&, web::Response& res) {
    json::Array list;
    for (const auto& [id, book] : gBooks) list.push_back(json::toValue(book));
    res.json(json::Value(std::move(list)));
  });
  books.get("/:id", [](web::Request& req, web::Response& res) {
    int id = std::atoi(std::string(req.param("id")).c_str());
    auto it = gBooks.find(id);
    if (it == gBooks.end()) throw web::HttpError(404, "book_not_found", "no such book");
    res.json(it->second);
  });
  return books;
}

Promise<> smoke(http::Server& server) {
  std::string base = "http://127.0.0.1:" + std::to_string(server.address().port);
  for (const char* path : {"/", "/api/books", "/api/books/2", "/api/books/9", "/nope"}) {
    auto r = co_await http::fetch(base + path);
    std::string body = co_await r.text();
    std::printf("GET %-14s -> %d %s\n", path, r.status(), body.c_str());
  }
  co_await server.close();
}

}  // namespace

int main(int argc, char** argv) {
  bool smokeRun = argc > 1 && std::string_view(argv[1]) == "--smoke";

  web::App app;
  // Onion: the code after `co_await next()` runs once everything downstream has finished.
  app.use([](web::Request&, web::Response& res, web::Next next) -> Promise<> {
    auto t0 = std::chrono::steady_clock::now();
    co_await next();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    (void)us;  // a real app would record it as a metric
    (void)res;
  });
  app.get("/", [](web::Request& req, web::Response& res) {
    res.send("Hello from nodexx, request " + std::string(req.id()));
  });
  app.use("/api/books", booksRouter());

  http::Server server = app.listen(smokeRun ? 0 : 3000, "127.0.0.1");
  if (smokeRun) {
    (void)smoke(server);
  } else {
    std::printf("listening on http://127.0.0.1:%d\n", server.address().port);
    process::on(Signal::Term, [&](Signal) { (void)server.close(); });
    process::on(Signal::Int, [&](Signal) { (void)server.close(); });
  }
  return run();
}
