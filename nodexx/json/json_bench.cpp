// SPDX-License-Identifier: MIT
// Parse and stringify throughput on a ~1 MB document (4,600 user records), built by hand in
// release mode (it is not part of the build; *_bench.cpp files are not globbed into targets):
//   cd <repo> && g++ -std=c++20 -O2 -DNDEBUG -I. nodexx/json/json_bench.cpp \
//     nodexx/json/{errors,mapping,parse,reader,text,value,writer}.cpp \
//     nodexx/core/{errors,buffer,encoding}.cpp -lsimdjson -luv -o /tmp/json_bench
//   /tmp/json_bench /tmp/doc.json        # also writes the document, for node to read
// node's figures for the same document come from the script in nodexx/json/README.md.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "nodexx/json/json.hpp"

namespace json = nx::json;

namespace {

struct Address {
  std::string street;
  std::string city;
  std::string zip;
};
NX_JSON(Address, street, city, zip)

struct User {
  std::int64_t id;
  std::string name;
  std::string email;
  bool active;
  double balance;
  std::vector<std::string> tags;
  Address address;
};
NX_JSON(User, id, name, email, active, balance, tags, address)

std::string makeDocument() {
  json::Array users;
  for (int i = 0; users.size() < 4600; ++i) {
    users.push_back(json::Object{
        {"id", i},
        {"name", "User number " + std::to_string(i)},
        {"email", "user" + std::to_string(i) + "@example.com"},
        {"active", i % 3 != 0},
        {"balance", i * 1.37 - 500.25},
        {"tags", json::Array{"alpha", "beta", "tag-" + std::to_string(i % 17)}},
        {"address", json::Object{{"street", std::to_string(i) + " Long Street Name"},
                                 {"city", "Springfield"},
                                 {"zip", std::to_string(10000 + i)}}},
    });
  }
  return json::stringify(json::Value(std::move(users)));
}

template <class F>
double mbPerSecond(std::size_t bytes, F&& f) {
  using Clock = std::chrono::steady_clock;
  f();  // warm-up
  int runs = 0;
  const auto start = Clock::now();
  auto now = start;
  do {
    f();
    ++runs;
    now = Clock::now();
  } while (now - start < std::chrono::seconds(2));
  const double seconds = std::chrono::duration<double>(now - start).count();
  return static_cast<double>(bytes) * runs / seconds / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string doc = makeDocument();
  if (argc > 1) std::ofstream(argv[1], std::ios::binary) << doc;
  json::ParseOptions o;
  o.maxBytes = 16 << 20;
  const json::Value v = json::parse(doc, o);
  const auto users = json::to<std::vector<User>>(v);
  std::size_t sink = 0;
  std::printf("document: %zu bytes\n", doc.size());
  std::printf("parse -> Value:        %8.1f MB/s\n",
              mbPerSecond(doc.size(), [&] { sink += json::parse(doc, o).size(); }));
  std::printf("stringify(Value):      %8.1f MB/s\n",
              mbPerSecond(doc.size(), [&] { sink += json::stringify(v).size(); }));
  std::printf("stringify(Value, 2):   %8.1f MB/s (of compact size)\n",
              mbPerSecond(doc.size(), [&] { sink += json::stringify(v, {.indent = 2}).size(); }));
  std::printf("parse<vector<User>>:   %8.1f MB/s\n", mbPerSecond(doc.size(), [&] {
                sink += json::parse<std::vector<User>>(doc, o).size();
              }));
  std::printf("stringify(vector<User>): %6.1f MB/s\n",
              mbPerSecond(doc.size(), [&] { sink += json::stringify(users).size(); }));
  return sink == 0 ? 1 : 0;
}
