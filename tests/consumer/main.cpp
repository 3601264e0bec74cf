// SPDX-License-Identifier: MIT
// The README's example, built against the installed package so that neither can rot.
#include <nodexx/nodexx.hpp>
using namespace nx;

Promise<std::string> hashPassword(std::string pw) {
  Buffer salt = crypto::randomBytes(16);
  Buffer key = co_await crypto::pbkdf2(pw, salt, 100000, 32, "sha256");  // on the thread pool
  co_return key.toString(Encoding::Hex);
}

int main() {
  setTimeout([] { std::puts("timer"); }, 10);
  nextTick([] { std::puts("tick"); });
  (void)hashPassword("hunter2").then([](std::string& h) { std::puts(h.c_str()); });
  process::on(Signal::Int, [](Signal) { process::exit(130); });

  // The web layer, json and inject through the installed headers and libraries.
  static web::App app;
  app.use(mw::json());
  app.get("/users/:id", [](web::Request& req, web::Response& res) {
    res.json(json::Value(json::Object{{"id", std::string(req.param("id"))}}));
  });
  (void)testing::inject(app, {.url = "/users/7"}).then([](testing::InjectResponse& r) {
    std::printf("%d %s\n", r.status, r.body.c_str());
  });
  return run();  // runs until nothing is pending, returns process::exitCode
}
