// SPDX-License-Identifier: MIT
// stringify and parse against node's JSON.stringify and JSON.parse, byte for byte: numbers
// (special values and thousands of random bit patterns), strings (every ASCII character, line
// separators, astral characters) and indented documents. Skipped when node is not on PATH.
// Integers beyond 2^53 are out of the comparison on purpose: nodexx keeps them exact where JS
// rounds them to doubles (see docs/json.md).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/json/internal/test_print.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"

namespace json = nx::json;
using json::Value;

namespace {

// Reads lines "<kind> <hex>" or "v <indent> <hex>" and prints, per line, the hex of
// JSON.stringify of: d = the double with those little-endian bytes, s = the UTF-8 string,
// v = JSON.parse(text) indented, p = JSON.parse(text) compact, e = JSON.parse's error message.
constexpr const char* kScript = R"JS(
const fs = require('fs');
const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const hex = (s) => Buffer.from(s, 'utf8').toString('hex');
const out = [];
for (const line of lines) {
  const parts = line.split(' ');
  const bytes = Buffer.from(parts[parts.length - 1], 'hex');
  switch (parts[0]) {
    case 'd': out.push(hex(JSON.stringify(bytes.readDoubleLE(0)))); break;
    case 's': out.push(hex(JSON.stringify(bytes.toString('utf8')))); break;
    case 'v': out.push(hex(JSON.stringify(JSON.parse(bytes.toString('utf8')), null, Number(parts[1])))); break;
    case 'p': out.push(hex(JSON.stringify(JSON.parse(bytes.toString('utf8'))))); break;
    case 'e': try { JSON.parse(bytes.toString('utf8')); out.push(hex('accepted')); }
              catch (e) { out.push(hex(e.message)); } break;
  }
}
process.stdout.write(out.join('\n') + '\n');
)JS";

std::string toHex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string fromHex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

struct Case {
  std::string line;      // what node reads
  std::string expected;  // what nodexx writes
};

// Runs the script over the cases; node's outputs, one per case (empty if node failed).
std::vector<std::string> runNode(const std::vector<Case>& cases) {
  const nx::testing::TempFile script("nx_json_oracle", kScript, ".js");
  std::string text;
  for (const Case& c : cases) text += c.line + '\n';
  const nx::testing::TempFile input("nx_json_oracle", text, ".txt");
  const nx::testing::NodeOutput node =
      nx::testing::runNode({.script = script.path(), .args = {input.path()}});
  std::vector<std::string> lines;
  // A last line without its newline is cut short: it is left out.
  const std::size_t complete = node.out.rfind('\n') + 1;
  for (const std::string& line : nx::testing::splitLines(node.out.substr(0, complete))) {
    lines.push_back(fromHex(line));
  }
  return lines;
}

class NodeOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!nx::testing::hasNode()) {
      GTEST_SKIP() << "node is not on PATH; the JSON oracle needs Node.js";
    }
  }

  static void compare(const std::vector<Case>& cases) {
    const auto node = runNode(cases);
    ASSERT_EQ(node.size(), cases.size()) << "node printed a different number of lines";
    int mismatches = 0;
    for (std::size_t i = 0; i < cases.size() && mismatches < 20; ++i) {
      if (node[i] != cases[i].expected) {
        ++mismatches;
        ADD_FAILURE() << "case " << cases[i].line << "\n  node:   " << node[i]
                      << "\n  nodexx: " << cases[i].expected;
      }
    }
  }
};

Case doubleCase(double d) {
  char bytes[8];
  std::memcpy(bytes, &d, 8);  // x86-64 and aarch64 are little-endian, as readDoubleLE
  return {"d " + toHex(std::string_view(bytes, 8)), json::stringify(Value(d))};
}

TEST_F(NodeOracleTest, NumbersMatchJsonStringify) {
  std::vector<Case> cases;
  const double specials[] = {0.0,
                             -0.0,
                             0.1,
                             0.2 + 0.1,
                             1e21,
                             1e20,
                             123e18,
                             1e-6,
                             1e-7,
                             1.5e-7,
                             5e-324,
                             -5e-324,
                             2.2250738585072014e-308,
                             std::numeric_limits<double>::max(),
                             -std::numeric_limits<double>::max(),
                             9007199254740991.0,
                             9007199254740993.0,
                             18446744073709551616.0,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN(),
                             100.0,
                             1.0 / 3,
                             -123.456e-10,
                             4.35,
                             0.000001234};
  for (double d : specials) cases.push_back(doubleCase(d));
  std::mt19937_64 rng(20261122);
  for (int i = 0; i < 4000; ++i) {
    const std::uint64_t bits = rng();
    double d = 0;
    std::memcpy(&d, &bits, 8);
    cases.push_back(doubleCase(d));
  }
  // Numbers of everyday magnitudes: random decimals in [1e-9, 1e25].
  std::uniform_real_distribution<double> exponent(-9, 25);
  for (int i = 0; i < 2000; ++i) cases.push_back(doubleCase(std::pow(10.0, exponent(rng))));
  // Large integers, written exactly as JS does for doubles.
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1} << 53,
                         std::numeric_limits<std::int64_t>::max() / 1024}) {
    cases.push_back({"d " +
                         [&] {
                           const double d = static_cast<double>(v);
                           char bytes[8];
                           std::memcpy(bytes, &d, 8);
                           return toHex(std::string_view(bytes, 8));
                         }(),
                     json::stringify(Value(v))});
  }
  compare(cases);
}

TEST_F(NodeOracleTest, StringsMatchJsonStringifyWithLineSeparatorsRaw) {
  std::vector<Case> cases;
  const json::StringifyOptions raw{.escapeLineSeparators = false};
  for (int c = 0; c < 0x80; ++c) {
    const std::string s = "a" + std::string(1, static_cast<char>(c)) + "z";
    cases.push_back({"s " + toHex(s), json::stringify(Value(s), raw)});
  }
  for (const char* s :
       {"\xE2\x80\xA8", "\xE2\x80\xA9", "\xC2\x80\xC2\x9F", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF",
        "\xEF\xBB\xBF", "caf\xC3\xA9 \"quoted\" \\ back\\slash", ""}) {
    cases.push_back({"s " + toHex(s), json::stringify(Value(s), raw)});
  }
  compare(cases);
}

TEST_F(NodeOracleTest, DefaultEscapesLineSeparatorsAndDiffersOnlyThere) {
  const Value v("x\xE2\x80\xA8y\xE2\x80\xA9");
  std::string node = json::stringify(v, {.escapeLineSeparators = false});
  // Replacing the two raw characters by their escapes turns JSON.stringify's form into ours.
  for (auto [raw, esc] :
       {std::pair{"\xE2\x80\xA8", "\\u2028"}, std::pair{"\xE2\x80\xA9", "\\u2029"}}) {
    node.replace(node.find(raw), 3, esc);
  }
  EXPECT_EQ(json::stringify(v), node);
}

TEST_F(NodeOracleTest, DocumentsMatchJsonStringifyAfterJsonParse) {
  const char* docs[] = {
      R"({"a":[1,2,{"b":null,"c":[]}],"d":{},"e":"x\ny","f":-0.0,"g":1E400,"h":[[[]]],"i":0.1e1})",
      R"([1.000000000000000005, 1e-7, 123456.7890123, 2.5e-324, 1.7976931348623157e308, -1e-400])",
      R"({"a":1,"b":2,"a":3})",
      R"("\ud83d\ude00\u0000\u001f\t")",
      R"([-9007199254740992, 9007199254740993.5, 0.30000000000000004])",
  };
  std::vector<Case> cases;
  for (const char* d : docs) {
    cases.push_back({std::string("p ") + toHex(d),
                     json::stringify(json::parse(d), {.escapeLineSeparators = false})});
    for (int indent : {1, 2, 4, 10}) {
      cases.push_back(
          {"v " + std::to_string(indent) + " " + toHex(d),
           json::stringify(json::parse(d), {.indent = indent, .escapeLineSeparators = false})});
    }
  }
  compare(cases);
}

TEST_F(NodeOracleTest, NumberLiteralsParseToTheSameDoubles) {
  // Random literals with a fraction or an exponent (doubles in both; integers beyond 2^53 are
  // exact here by design): up to 25 significant digits, exponents across the whole range
  // including overflow to Infinity (written null) and underflow to 0. Both the simdjson path
  // and the reader's from_chars path are covered (the reader decides out-of-range literals).
  std::mt19937_64 rng(8259);
  std::vector<Case> cases;
  for (int i = 0; i < 3000; ++i) {
    std::string t;
    if (rng() % 4 == 0) t += '-';
    const int intDigits = 1 + static_cast<int>(rng() % 12);
    t += static_cast<char>('1' + rng() % 9);
    for (int d = 1; d < intDigits; ++d) t += static_cast<char>('0' + rng() % 10);
    if (rng() % 2 == 0 || intDigits < 3) {
      t += '.';
      const int frac = 1 + static_cast<int>(rng() % 14);
      for (int d = 0; d < frac; ++d) t += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 2 == 0) {
      t += (rng() % 2 == 0) ? 'e' : 'E';
      if (rng() % 2 == 0) t += (rng() % 2 == 0) ? '-' : '+';
      t += std::to_string(rng() % 340);
    } else if (t.find('.') == std::string::npos) {
      t += ".5";
    }
    const std::string doc = "[" + t + "]";
    cases.push_back({"p " + toHex(doc), json::stringify(json::parse(doc))});
  }
  compare(cases);
}

TEST_F(NodeOracleTest, ParseErrorMessagesMatchV8WhereV8GivesAPosition) {
  // V8 reports most errors as "<reason> in JSON at position N" (N in UTF-16 units, which equal
  // bytes for these ASCII inputs) and those must match exactly. For an unexpected token V8
  // quotes the whole input instead of a position ("Unexpected token ']', "[tru]" is not valid
  // JSON"); nodexx keeps the position there ("Unexpected token ']' in JSON at position 4").
  const char* inputs[] = {"{\"a\":1,}",
                          "[1,2}",
                          "",
                          "[1, 2",
                          "{} x",
                          "{\"a\" 1}",
                          "\"a\tb\"",
                          R"("\x")",
                          R"("\u12G4")",
                          "-",
                          "1.",
                          "1e+",
                          "\"abc",
                          "{,}",
                          "01",
                          "[1,",
                          "[",
                          "{",
                          "{\"a\"",
                          "{\"a\":",
                          "{\"a\":1",
                          "{\"a\":1,",
                          R"("\u12)",
                          R"("\)",
                          "tr",
                          "[01]",
                          "{\"a\":01}",
                          "1 2",
                          "\"a\" \"b\"",
                          "[1 2]",
                          "{\"a\":1 \"b\":2}",
                          "[1]]",
                          "nul",
                          "-x",
                          "{\"a\":-}",
                          "1.e3",
                          "[1.]",
                          "{\"a\":1}}",
                          "[1]x",
                          "true false",
                          "  ",
                          "[\"a\",",
                          "{\"a\":[}",
                          "-01",
                          "1e",
                          "1E-",
                          "[1e5.0]",
                          "0.0.0"};
  std::vector<Case> cases;
  for (const char* in : inputs) {
    std::string message = "accepted";
    try {
      (void)json::parse(in);
    } catch (const json::ParseError& e) {
      message = e.what();
    }
    cases.push_back({std::string("e ") + toHex(in), message});
  }
  const auto node = runNode(cases);
  ASSERT_EQ(node.size(), cases.size());
  int compared = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const bool v8HasPosition = node[i].find("JSON at position ") != std::string::npos ||
                               node[i] == "Unexpected end of JSON input";
    if (!v8HasPosition) {
      EXPECT_EQ(cases[i].expected.rfind("Unexpected token '", 0), 0u)
          << inputs[i] << "\n  node:   " << node[i] << "\n  nodexx: " << cases[i].expected;
      continue;
    }
    ++compared;
    EXPECT_EQ(cases[i].expected, node[i]) << "input: " << inputs[i];
  }
  EXPECT_GT(compared, 35);
}

}  // namespace
