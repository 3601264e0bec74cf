// SPDX-License-Identifier: MIT
#include "nodexx/web/qs.hpp"

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web::qs {
namespace {

std::string parsed(std::string_view s, const ParseOptions& o = {}) {
  return testutil::jsJson(parse(s, o));
}

TEST(QsTest, NestedObjectsAndArrays) {
  EXPECT_EQ(parsed("a[b][c]=1"), R"({"a":{"b":{"c":"1"}}})");
  EXPECT_EQ(parsed("a[]=1&a[]=2"), R"({"a":["1","2"]})");
  EXPECT_EQ(parsed("a[1]=x&a[0]=y"), R"({"a":["y","x"]})");
  EXPECT_EQ(parsed("a=1&a=2"), R"({"a":["1","2"]})");
  EXPECT_EQ(parsed("a.b=1"), R"({"a.b":"1"})");
  EXPECT_EQ(parsed("a%5Bb%5D=%20c+d"), R"({"a":{"b":" c d"}})");
}

TEST(QsTest, ArrayLimitTurnsLargeIndexesIntoObjectKeys) {
  EXPECT_EQ(parsed("a[19]=x"), R"({"a":["x"]})");
  EXPECT_EQ(parsed("a[20]=x"), R"({"a":{"20":"x"}})");
  ParseOptions o;
  o.arrayLimit = 2;
  EXPECT_EQ(parsed("a[]=1&a[]=2&a[]=3", o), R"({"a":{"0":"1","1":"2","2":"3"}})");
}

TEST(QsTest, DepthLimitKeepsTheRestAsOneKey) {
  EXPECT_EQ(parsed("a[b][c][d][e][f][g][h]=i"),
            R"({"a":{"b":{"c":{"d":{"e":{"f":{"[g][h]":"i"}}}}}}})");
  ParseOptions o;
  o.depth = 1;
  EXPECT_EQ(parsed("a[b][c]=d", o), R"({"a":{"b":{"[c]":"d"}}})");
}

TEST(QsTest, ParameterLimitIgnoresTheRest) {
  ParseOptions o;
  o.parameterLimit = 2;
  EXPECT_EQ(parsed("a=1&b=2&c=3", o), R"({"a":"1","b":"2"})");
}

TEST(QsTest, StrictOptionsThrowRangeErrorsWithCodes) {
  ParseOptions depth;
  depth.depth = 1;
  depth.strictDepth = true;
  try {
    parse("a[b][c]=1", depth);
    ADD_FAILURE() << "no error";
  } catch (const RangeError& e) {
    EXPECT_EQ(e.code(), "ERR_QS_DEPTH");
  }
  ParseOptions limits;
  limits.parameterLimit = 1;
  limits.throwOnLimitExceeded = true;
  try {
    parse("a=1&b=2", limits);
    ADD_FAILURE() << "no error";
  } catch (const RangeError& e) {
    EXPECT_EQ(e.code(), "ERR_QS_PARAMETER_LIMIT");
    EXPECT_STREQ(e.what(), "Parameter limit exceeded. Only 1 parameter allowed.");
  }
  ParseOptions arrays;
  arrays.arrayLimit = 1;
  arrays.throwOnLimitExceeded = true;
  try {
    parse("a[]=1&a[]=2", arrays);
    ADD_FAILURE() << "no error";
  } catch (const RangeError& e) {
    EXPECT_EQ(e.code(), "ERR_QS_ARRAY_LIMIT");
  }
}

TEST(QsTest, PrototypeKeysAreHarmless) {
  EXPECT_EQ(parsed("__proto__[x]=1&a=2"), R"({"a":"2"})");
  EXPECT_EQ(parsed("a[__proto__]=1"), "{}");
  EXPECT_EQ(parsed("a[__proto__]=1&a[b]=2", ExpressQueryOptions()), R"({"a":{"b":"2"}})");
  EXPECT_EQ(parsed("toString=1&hasOwnProperty=2"), "{}");
  EXPECT_EQ(parsed("toString=1&hasOwnProperty=2", ExpressQueryOptions()),
            R"({"toString":"1","hasOwnProperty":"2"})");
}

TEST(QsTest, ManyParametersStayWithinTheLimits) {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "a[" + std::to_string(i) + "]=" + std::to_string(i) + "&";
  const json::Value v = parse(s);
  // 1000 pairs read; indexes above 20 make an object.
  EXPECT_EQ(v["a"].size(), 1000u);
  EXPECT_TRUE(v["a"].isObject());
}

TEST(QsTest, StringifyFormats) {
  const json::Value v = json::parse(R"({"a":{"b":["x","y"]},"c":"d e","n":null,"t":true,"f":1.5})");
  EXPECT_EQ(qs::stringify(v), "a%5Bb%5D%5B0%5D=x&a%5Bb%5D%5B1%5D=y&c=d%20e&n=&t=true&f=1.5");
  StringifyOptions o;
  o.encodeValuesOnly = true;
  o.arrayFormat = ArrayFormat::Brackets;
  EXPECT_EQ(qs::stringify(v, o), "a[b][]=x&a[b][]=y&c=d%20e&n=&t=true&f=1.5");
  o.arrayFormat = ArrayFormat::Comma;
  o.skipNulls = true;
  EXPECT_EQ(qs::stringify(v, o), "a[b]=x,y&c=d%20e&t=true&f=1.5");
  EXPECT_EQ(qs::stringify(json::Value("not an object")), "");
}

struct StringifyCase {
  std::string json;
  json::Value options;
};

TEST(QsOracle, MatchesTheNpmPackage) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  const std::vector<std::string> inputs = {
      "",
      "a",
      "a=",
      "=a",
      "&",
      "&&a=1&&",
      "a=1&b=2",
      "a=1&a=2&a=3",
      "a[]=1",
      "a[]=1&a[]=2",
      "a[]=1&a=2",
      "a=1&a[]=2",
      "a[0]=1&a[1]=2",
      "a[1]=b&a[0]=c",
      "a[1]=b",
      "a[0]=a&a[2]=c",
      "a[20]=x",
      "a[21]=x",
      "a[100]=x&a[1]=y",
      "a[0]=x&a[21]=y",
      "a[21]=x&a[0]=y",
      "a[-1]=x",
      "a[01]=x",
      "a[ 1]=x",
      "a[1e1]=x",
      "a[b]=1&a[c]=2",
      "a[b][c]=1&a[b][d]=2",
      "a[b]=1&a=2",
      "a=2&a[b]=1",
      "a[b]=1&a[]=2",
      "a[]=2&a[b]=1",
      "a[0][b]=1&a[0][c]=2",
      "a[0][b]=1&a[1][b]=2",
      "a[][b]=1&a[][c]=2",
      "a[b][]=1&a[b][]=2",
      "a[]=&a[]=",
      "a[=1",
      "a]=1",
      "a[b=1",
      "a[b]c=1",
      "a[b]c[d]=1",
      "[a]=1",
      "[]=1",
      "[0]=1",
      "a[[b]]=1",
      "a[b[c]]=1",
      "a[b][c][d][e][f][g][h]=i",
      "a[b][c][d][e][f]=g",
      "a.b.c=1",
      "a%5Bb%5D=1",
      "a%5bb%5d=1",
      "a%255Bb%255D=1",
      "a=%20b%20",
      "a=b+c",
      "a+b=c",
      "a=%E2%82%AC",
      "a=%E0%A4%A",
      "a=%",
      "%=1",
      "a%=1",
      "a=%ZZ",
      "a=%C3%A9&b=caf%C3%A9",
      "__proto__[x]=1",
      "a[__proto__]=1",
      "a[__proto__][b]=1",
      "constructor=1",
      "a[constructor]=1",
      "toString=1",
      "a[toString]=x",
      "hasOwnProperty=1&a=b",
      "a=1&a[]=2&a[b]=3",
      "a[b]=1&a[b][c]=2",
      "a[b][c]=2&a[b]=1",
      "a[0]=1&a[b]=2",
      "a[b]=2&a[0]=1",
      "a=b&a=c&a[d]=e",
      "a[]=b&a[1]=c",
      "a[1]=c&a[]=b",
      "a[]=1&a[]=2&a[]=3&a[]=4&a[]=5&a[]=6&a[]=7&a[]=8&a[]=9&a[]=10&a[]=11&a[]=12&a[]=13&a[]="
      "14&a[]=15&a[]=16&a[]=17&a[]=18&a[]=19&a[]=20&a[]=21&a[]=22",
      "a=1&a=2&a=3&a=4&a=5&a=6&a=7&a=8&a=9&a=10&a=11&a=12&a=13&a=14&a=15&a=16&a=17&a=18&a=19&a="
      "20&a=21&a=22",
      "a[0]=1&a[1]=2&a[22]=3&a[3]=4",
      "a[22]=1&a[]=2",
      "a[]=2&a[22]=1",
      "a[22]=1&a=2",
      "a=2&a[22]=1",
      "a[22]=1&a[23]=2&a[x]=3",
      "b=1&0=2&a=3&1=4",
      "1[0]=a",
      "a[x][0]=1&a[x][1]=2",
      "a[0][0]=1&a[0][1]=2",
      "a[][]=1",
      "a[][][]=1&a[][][]=2",
      "?a=1",
      "a=1;b=2",
      "a=1,2,3",
      "a[]=1,2",
      "a=&b",
      "a&a",
      "a=1&a",
      "a&a=1",
      "x[y][]=1&x[y][]=&x[y][]=3",
      "a[b][0]=1&a[b][1]=2&a[b][c]=3",
      "a[10]=x&a[2]=y&a[5]=z",
      "utf8=%E2%9C%93&a=%E9",
      "utf8=%26%2310003%3B&a=%E9",
      "a=%26%239786%3B",
      "a[\xC3\xA9]=1",
      "a=\xE2\x82\xAC",
      "a[b]=1&a[b]=2&a[b]=3",
      "a[b][]=1&a[b][]=2&a[b]=3",
      "a[0]=&a[1]=x",
      "a[]=&a[]=x&a[]=",
      "a[b]=c&a[b][]=d",
      "a[b][]=d&a[b]=c",
      "0=a&1=b&2=c",
      "a[0]=1&a[0]=2",
      "a[0][x]=1&a[0]=2",
      "a[0]=2&a[0][x]=1"};
  struct Opt {
    json::Value js;
    ParseOptions o;
  };
  std::vector<Opt> opts;
  opts.push_back({json::Object{}, {}});
  {
    Opt x{json::Object{{"allowPrototypes", true}}, ExpressQueryOptions()};
    opts.push_back(std::move(x));
  }
  {
    ParseOptions o;
    o.allowDots = true;
    o.comma = true;
    o.ignoreQueryPrefix = true;
    opts.push_back(
        {json::Object{{"allowDots", true}, {"comma", true}, {"ignoreQueryPrefix", true}}, o});
  }
  {
    ParseOptions o;
    o.arrayLimit = 3;
    o.depth = 2;
    o.parameterLimit = 4;
    o.allowSparse = true;
    opts.push_back(
        {json::Object{
             {"arrayLimit", 3}, {"depth", 2}, {"parameterLimit", 4}, {"allowSparse", true}},
         o});
  }
  {
    ParseOptions o;
    o.strictNullHandling = true;
    o.allowEmptyArrays = true;
    o.duplicates = Duplicates::First;
    o.parseArrays = false;
    opts.push_back({json::Object{{"strictNullHandling", true},
                                 {"allowEmptyArrays", true},
                                 {"duplicates", "first"},
                                 {"parseArrays", false}},
                    o});
  }
  {
    ParseOptions o;
    o.charset = Charset::Latin1;
    o.charsetSentinel = true;
    o.interpretNumericEntities = true;
    o.duplicates = Duplicates::Last;
    o.delimiter = ";";
    o.depth = 0;
    opts.push_back({json::Object{{"charset", "iso-8859-1"},
                                 {"charsetSentinel", true},
                                 {"interpretNumericEntities", true},
                                 {"duplicates", "last"},
                                 {"delimiter", ";"},
                                 {"depth", 0}},
                    o});
  }
  {
    ParseOptions o;
    o.arrayLimit = 0;
    o.allowPrototypes = true;
    opts.push_back({json::Object{{"arrayLimit", 0}, {"allowPrototypes", true}}, o});
  }
  {
    // body-parser's extended urlencoded options.
    ParseOptions o;
    o.allowPrototypes = true;
    o.arrayLimit = 100;
    o.depth = 32;
    o.parameterLimit = 1000;
    o.strictDepth = true;
    opts.push_back({json::Object{{"allowPrototypes", true},
                                 {"arrayLimit", 100},
                                 {"depth", 32},
                                 {"parameterLimit", 1000},
                                 {"strictDepth", true}},
                    o});
  }
  {
    ParseOptions o;
    o.throwOnLimitExceeded = true;
    o.arrayLimit = 2;
    o.parameterLimit = 3;
    o.depth = 1;
    o.strictDepth = true;
    opts.push_back({json::Object{{"throwOnLimitExceeded", true},
                                 {"arrayLimit", 2},
                                 {"parameterLimit", 3},
                                 {"depth", 1},
                                 {"strictDepth", true}},
                    o});
  }
  json::Array cases;
  std::vector<std::string> mine;
  for (const auto& in : inputs) {
    for (const auto& [js, o] : opts) {
      cases.push_back(json::Object{{"op", "parse"}, {"s", in}, {"options", js}});
      try {
        mine.push_back(testutil::jsJson(parse(in, o)));
      } catch (const RangeError& e) {
        mine.push_back(testutil::jsJson(json::Object{{"error", std::string(e.what())}}));
      }
    }
  }
  const std::vector<std::string> values = {
      R"({"a":"b"})",
      R"({"a":"b c","d":"e&f=g"})",
      R"({"a":{"b":{"c":"d"}}})",
      R"({"a":["b","c"]})",
      R"({"a":[]})",
      R"({"a":[["x","y"],{"z":1}]})",
      R"({"a":null,"b":"","c":true,"d":false,"e":0,"f":-1.5,"g":1e21,"h":1e-7})",
      R"({"1":"x","a":"y","0":"z"})",
      R"({"a":[null,"x",null]})",
      R"({"€":"ü","a b":"c+d"})",
      R"({"a":{"b":[{"c":"d"},{"e":["f"]}]}})",
      R"([1,2])",
      R"("str")",
      R"({})",
      R"({"a":["",null,"x,y"]})",
      R"({"a.b":{"c.d":"e"}})",
      R"({"a":"(x)*~!'"})",
      R"({"a":[[]]})",
      R"({"a":{"":"x"}})",
      R"({"":"y"})"};
  struct SOpt {
    json::Value js;
    StringifyOptions o;
  };
  std::vector<SOpt> sopts;
  sopts.push_back({json::Object{}, {}});
  {
    StringifyOptions o;
    o.encodeValuesOnly = true;
    o.arrayFormat = ArrayFormat::Brackets;
    sopts.push_back({json::Object{{"encodeValuesOnly", true}, {"arrayFormat", "brackets"}}, o});
  }
  {
    StringifyOptions o;
    o.arrayFormat = ArrayFormat::Repeat;
    o.allowDots = true;
    o.skipNulls = true;
    sopts.push_back(
        {json::Object{{"arrayFormat", "repeat"}, {"allowDots", true}, {"skipNulls", true}}, o});
  }
  {
    StringifyOptions o;
    o.arrayFormat = ArrayFormat::Comma;
    o.strictNullHandling = true;
    o.addQueryPrefix = true;
    sopts.push_back(
        {json::Object{
             {"arrayFormat", "comma"}, {"strictNullHandling", true}, {"addQueryPrefix", true}},
         o});
  }
  {
    StringifyOptions o;
    o.arrayFormat = ArrayFormat::Comma;
    o.encodeValuesOnly = true;
    o.allowEmptyArrays = true;
    sopts.push_back(
        {json::Object{
             {"arrayFormat", "comma"}, {"encodeValuesOnly", true}, {"allowEmptyArrays", true}},
         o});
  }
  {
    StringifyOptions o;
    o.encode = false;
    o.delimiter = ";";
    o.allowEmptyArrays = true;
    sopts.push_back(
        {json::Object{{"encode", false}, {"delimiter", ";"}, {"allowEmptyArrays", true}}, o});
  }
  {
    StringifyOptions o;
    o.rfc1738 = true;
    sopts.push_back({json::Object{{"format", "RFC1738"}}, o});
  }
  for (const auto& v : values) {
    const json::Value value = json::parse(v);
    for (const auto& [js, o] : sopts) {
      cases.push_back(json::Object{{"op", "stringify"}, {"value", value}, {"options", js}});
      mine.push_back(testutil::jsJson(json::Value(qs::stringify(value, o))));
    }
  }
  testutil::expectSameAsNode("util_qs.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web::qs
