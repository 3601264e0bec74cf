// SPDX-License-Identifier: MIT
#include "nodexx/web/proxy_addr.hpp"

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web {
namespace {

using Views = std::vector<std::string_view>;

TEST(ProxyAddrTest, DefaultTrustsNothing) {
  const TrustProxy none;
  EXPECT_EQ(proxyAddr("10.0.0.1", "1.2.3.4", none), "10.0.0.1");
  EXPECT_TRUE(proxyIps("10.0.0.1", "1.2.3.4", none).empty());
}

TEST(ProxyAddrTest, TrustAllTakesTheLeftMostAddress) {
  const auto all = TrustProxy::all();
  EXPECT_EQ(proxyAddr("10.0.0.1", "1.1.1.1, 2.2.2.2", all), "1.1.1.1");
  EXPECT_EQ(proxyIps("10.0.0.1", "1.1.1.1, 2.2.2.2", all), (Views{"1.1.1.1", "2.2.2.2"}));
}

TEST(ProxyAddrTest, HopCountTrustsTheNearestHops) {
  const auto one = TrustProxy::hops(1);
  EXPECT_EQ(proxyAddr("10.0.0.1", "1.1.1.1, 2.2.2.2", one), "2.2.2.2");
  EXPECT_EQ(proxyAddrAll("10.0.0.1", "1.1.1.1, 2.2.2.2", one), (Views{"10.0.0.1", "2.2.2.2"}));
}

TEST(ProxyAddrTest, SubnetListsAndNamedRanges) {
  const auto trust = TrustProxy::compile("loopback, 10.0.0.0/8");
  EXPECT_EQ(proxyAddr("127.0.0.1", "9.9.9.9, 10.1.2.3", trust), "9.9.9.9");
  EXPECT_EQ(proxyAddr("192.168.1.1", "9.9.9.9", trust), "192.168.1.1");
  EXPECT_TRUE(trust("::1", 0));
  EXPECT_FALSE(trust("11.0.0.1", 0));
  EXPECT_FALSE(trust("not an ip", 0));
}

TEST(ProxyAddrTest, Ipv4MappedAddressesMatchIpv4Subnets) {
  const auto trust = TrustProxy::compile("10.0.0.0/8");
  EXPECT_TRUE(trust("::ffff:10.1.1.1", 0));
  EXPECT_TRUE(trust("::FFFF:a01:101", 0));
  EXPECT_FALSE(trust("::ffff:11.1.1.1", 0));
  const auto mapped = TrustProxy::compile("::ffff:10.0.0.0/104");
  EXPECT_TRUE(mapped("10.2.3.4", 0));
}

TEST(ProxyAddrTest, NetmaskNotation) {
  const auto trust = TrustProxy::compile("192.168.0.0/255.255.0.0");
  EXPECT_TRUE(trust("192.168.44.1", 0));
  EXPECT_FALSE(trust("192.169.0.1", 0));
}

TEST(ProxyAddrTest, CompileErrorsCarryThePackageMessages) {
  auto expectError = [](std::string_view list, std::string_view message) {
    try {
      TrustProxy::compile(list);
      ADD_FAILURE() << "accepted " << list;
    } catch (const SystemError& e) {
      EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
      EXPECT_EQ(std::string_view(e.what()), message);
    }
  };
  expectError("10.0.0.256", "invalid IP address: 10.0.0.256");
  expectError("10.0.0.0/33", "invalid range on address: 10.0.0.0/33");
  expectError("10.0.0.0/0", "invalid range on address: 10.0.0.0/0");
  expectError("10.0.0.0/255.0.255.0", "invalid range on address: 10.0.0.0/255.0.255.0");
  expectError("loopback, bogus", "invalid IP address: bogus");
}

TEST(ProxyAddrTest, CustomPredicate) {
  const auto trust =
      TrustProxy::custom([](std::string_view addr, std::size_t) { return addr == "10.0.0.1"; });
  EXPECT_EQ(proxyAddr("10.0.0.1", "1.1.1.1, 10.0.0.2", trust), "10.0.0.2");
}

TEST(IpAddressTest, ParsesIpaddrJsForms) {
  auto v4 = [](std::string_view s) {
    const auto ip = IpAddress::parse(s);
    if (!ip || ip->v6) return std::string("none");
    return std::to_string(ip->bytes[0]) + "." + std::to_string(ip->bytes[1]) + "." +
           std::to_string(ip->bytes[2]) + "." + std::to_string(ip->bytes[3]);
  };
  EXPECT_EQ(v4("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(v4("0x7f.1"), "127.0.0.1");
  EXPECT_EQ(v4("017700000001"), "127.0.0.1");
  EXPECT_EQ(v4("2130706433"), "127.0.0.1");
  EXPECT_EQ(v4("08.0.0.1"), "none");
  EXPECT_EQ(v4("1.2.3.4.5"), "none");
  EXPECT_TRUE(IpAddress::parse("fe80::1%eth0"));
  EXPECT_TRUE(IpAddress::parse("::ffff:1.2.3.4")->isIPv4Mapped());
  EXPECT_FALSE(IpAddress::parse("1::2::3"));
  EXPECT_FALSE(IpAddress::parse(""));
}

TEST(ProxyAddrOracle, MatchesTheNpmPackages) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  json::Array cases;
  std::vector<std::string> mine;
  const std::vector<std::string> ips = {"",
                                        "1.2.3.4",
                                        "255.255.255.255",
                                        "256.0.0.1",
                                        "1.2.3",
                                        "1.2",
                                        "1",
                                        "4294967295",
                                        "4294967296",
                                        "0x7f.0.0.1",
                                        "0X7F.1",
                                        "0x7f000001",
                                        "010.0.0.1",
                                        "08.0.0.1",
                                        "00.0.0.0",
                                        "1.2.3.4.5",
                                        "1..2.3",
                                        "1.2.3.",
                                        " 1.2.3.4",
                                        "1.2.3.4 ",
                                        "::",
                                        "::1",
                                        "::ffff:1.2.3.4",
                                        "::1.2.3.4",
                                        "::ffff:0x7f.0.0.1",
                                        "fe80::1%eth0",
                                        "fe80::1%",
                                        "fe80::1%a%b",
                                        "FE80::ABCD",
                                        "2001:db8::1",
                                        "2001:db8:0:0:0:0:0:1",
                                        "2001:db8::0:1:2:3:4:5",
                                        "1:2:3:4:5:6:7:8",
                                        "1:2:3:4:5:6:7:8:9",
                                        "1:2:3:4:5:6:7",
                                        ":1:2:3:4:5:6:7",
                                        "1:2:3:4:5:6:7:",
                                        "1::2::3",
                                        ":::",
                                        "::::",
                                        "1::",
                                        "1:::",
                                        "12345::1",
                                        "0:0:0:0:0:ffff:1.2.3.4",
                                        "1:2:3:4:5:6:1.2.3.4",
                                        "1:2:3:4:5:6:7:1.2.3.4",
                                        "::1.2.3.256",
                                        "::1.2.3",
                                        "abcd",
                                        "g::1",
                                        "1.2.3.4/8",
                                        "64:ff9b::1.2.3.4",
                                        "::ffff:1.2.3.4%eth0",
                                        "fe80::%1"};
  for (const auto& s : ips) {
    cases.push_back(json::Object{{"op", "parseIp"}, {"s", s}});
    const auto ip = IpAddress::parse(s);
    if (!ip) {
      mine.push_back("false");
      continue;
    }
    json::Array bytes;
    for (std::size_t k = 0; k < (ip->v6 ? 16u : 4u); ++k) bytes.push_back(ip->bytes[k]);
    mine.push_back(testutil::jsJson(json::Object{{"v6", ip->v6}, {"bytes", bytes}}));
  }
  const std::vector<std::string> lists = {"loopback",
                                          "linklocal",
                                          "uniquelocal",
                                          "loopback, linklocal, uniquelocal",
                                          "10.0.0.0/8",
                                          "10.0.0.1",
                                          "10.0.0.0/255.0.0.0",
                                          "::1",
                                          "::ffff:10.0.0.1",
                                          "::ffff:10.0.0.0/104",
                                          "fc00::/7, 192.168.0.0/16",
                                          "2001:db8::/32",
                                          "0.0.0.0/1",
                                          "10.0.0.0/33",
                                          "10.0.0.0/0",
                                          "10.0.0.0/x",
                                          "::/129",
                                          "bogus",
                                          "",
                                          "10.0.0.0/255.0.255.0",
                                          "fe80::/10, 169.254.0.0/16",
                                          "10.0.0.0/ 8",
                                          "1.2.3.4/32,5.6.7.8/32",
                                          "::/1"};
  for (const auto& l : lists) {
    cases.push_back(json::Object{{"op", "compile"}, {"trust", l}});
    try {
      TrustProxy::compile(l);
      mine.push_back("\"ok\"");
    } catch (const SystemError& e) {
      mine.push_back(testutil::jsJson(json::Object{{"error", std::string(e.what())}}));
    }
  }
  struct Trust {
    json::Value js;
    TrustProxy trust;
  };
  std::vector<Trust> trusts;
  trusts.push_back({json::Value(false), TrustProxy::none()});
  trusts.push_back({json::Value(true), TrustProxy::all()});
  trusts.push_back({json::Value(0), TrustProxy::hops(0)});
  trusts.push_back({json::Value(1), TrustProxy::hops(1)});
  trusts.push_back({json::Value(2), TrustProxy::hops(2)});
  for (const char* l : {"loopback", "loopback, uniquelocal", "10.0.0.0/8, ::1",
                        "::ffff:10.0.0.0/104", "fe80::/10", "2001:db8::/32"}) {
    trusts.push_back({json::Value(l), TrustProxy::compile(l)});
  }
  const std::vector<std::pair<std::string, std::optional<std::string>>> requests = {
      {"127.0.0.1", std::nullopt},
      {"127.0.0.1", ""},
      {"127.0.0.1", "1.1.1.1"},
      {"127.0.0.1", "1.1.1.1, 10.0.0.2"},
      {"127.0.0.1", "1.1.1.1,10.0.0.2,  10.0.0.3 "},
      {"10.0.0.1", "1.1.1.1, , 2.2.2.2"},
      {"10.0.0.1", ",,,"},
      {"::1", "2001:db8::5, ::ffff:10.0.0.9"},
      {"::ffff:127.0.0.1", "8.8.8.8"},
      {"::ffff:10.0.0.1", "8.8.8.8, 10.2.2.2"},
      {"fe80::1", "fe80::2, 9.9.9.9"},
      {"10.0.0.1", "garbage, 10.0.0.3"},
      {"10.0.0.1", "1.1.1.1\t, 2.2.2.2"},
      {"2001:db8::1", "2001:db8::2, 1.2.3.4"},
      {"192.168.1.1", "unknown"}};
  for (const auto& t : trusts) {
    for (const auto& [socket, xff] : requests) {
      cases.push_back(json::Object{{"op", "all"},
                                   {"trust", t.js},
                                   {"socket", socket},
                                   {"xff", xff ? json::Value(*xff) : json::Value()}});
      const auto xv = xff ? std::optional<std::string_view>(*xff) : std::nullopt;
      json::Array all, ipsOut;
      for (auto a : proxyAddrAll(socket, xv, t.trust)) all.push_back(a);
      for (auto a : proxyIps(socket, xv, t.trust)) ipsOut.push_back(a);
      mine.push_back(testutil::jsJson(
          json::Object{{"ip", proxyAddr(socket, xv, t.trust)}, {"all", all}, {"ips", ipsOut}}));
    }
  }
  testutil::expectSameAsNode("util_proxy_addr.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web
