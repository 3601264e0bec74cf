// SPDX-License-Identifier: MIT
#include "nodexx/http/agent.hpp"

#include <string>

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/http/client.hpp"
#include "nodexx/http/internal/client_test_peer.hpp"

namespace nx::http {
namespace {

using testing::NodeHttpPeer;

Promise<std::string> getText(std::string url, Agent* agent) {
  RequestOptions o(url);
  o.agent = agent;
  auto req = request(o);
  req->end();
  auto res = co_await req->response();
  std::string body;
  while (auto chunk = co_await res->read()) body += chunk->byteView();
  co_return body;
}

/// Waits (polling every 5 ms, at most `ms`) until `agent` has `n` idle sockets.
Promise<bool> waitFree(Agent* agent, std::size_t n, int ms) {
  for (int waited = 0; waited < ms; waited += 5) {
    if (agent->freeSocketCount() == n) co_return true;
    co_await sleep(5);
  }
  co_return agent->freeSocketCount() == n;
}

class AgentTest : public nx::testing::FreshLoop {
 protected:
  void SetUp() override {
    if (peer.port() == 0) GTEST_SKIP() << "node is not on PATH; the agent tests need it";
  }
  template <class T>
  T settle(Promise<T> p) {
    loop.run();
    EXPECT_TRUE(p.isFulfilled());
    T value{};
    (void)p.then([&value](T& v) { value = v; });
    loop.run();
    return value;
  }
  NodeHttpPeer peer;
};

TEST_F(AgentTest, IdleSocketsCloseAfterTheTimeout) {
  AgentOptions o;
  o.timeout = std::chrono::milliseconds(50);
  Agent agent(o);
  EXPECT_EQ(settle(getText(peer.url("/hello"), &agent)), "hello");
  EXPECT_EQ(agent.freeSocketCount(), 1u);
  EXPECT_TRUE(settle(waitFree(&agent, 0, 3000)));
  agent.destroy();
  loop.run();
}

TEST_F(AgentTest, AnIdleSocketTheServerClosesLeavesThePool) {
  Agent agent;
  EXPECT_EQ(settle(getText(peer.url("/close-after?ms=20"), &agent)), "bye");
  EXPECT_TRUE(settle(waitFree(&agent, 0, 3000)));
  // The next request opens a new connection instead of failing on the dead one.
  EXPECT_EQ(settle(getText(peer.url("/hello"), &agent)), "hello");
  EXPECT_EQ(agent.createdSocketCount(), 2u);
  agent.destroy();
  loop.run();
}

TEST_F(AgentTest, DestroyClosesPooledSocketsAndStaysUsable) {
  Agent agent;
  EXPECT_EQ(settle(getText(peer.url("/conn"), &agent)), "1");
  EXPECT_EQ(agent.freeSocketCount(), 1u);
  agent.destroy();
  EXPECT_EQ(agent.freeSocketCount(), 0u);
  EXPECT_EQ(settle(getText(peer.url("/conn"), &agent)), "2");
  agent.destroy();
  loop.run();
}

TEST_F(AgentTest, MaxFreeSocketsBoundsThePool) {
  AgentOptions o;
  o.maxFreeSockets = 1;
  Agent agent(o);
  auto a = getText(peer.url("/delay?ms=20"), &agent);
  auto b = getText(peer.url("/delay?ms=20"), &agent);
  EXPECT_EQ(settle(std::move(a)), "delayed");
  EXPECT_EQ(settle(std::move(b)), "delayed");
  EXPECT_EQ(agent.createdSocketCount(), 2u);
  EXPECT_EQ(agent.freeSocketCount(), 1u);
  agent.destroy();
  loop.run();
}

TEST_F(AgentTest, GlobalAgentKeepsAliveAndLetsTheLoopEnd) {
  Agent& global = Agent::global();
  EXPECT_EQ(&global, &Agent::global());
  auto first = getText(peer.url("/conn"), nullptr);
  loop.run();  // returns: idle sockets are unref'd, and beforeExit closed them
  EXPECT_TRUE(first.isFulfilled());
  EXPECT_EQ(global.freeSocketCount(), 0u);
  EXPECT_EQ(global.createdSocketCount(), 1u);
}

}  // namespace
}  // namespace nx::http
