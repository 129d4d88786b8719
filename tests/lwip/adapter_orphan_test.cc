// NetifAdapter ends the translation of a connection that lwIP dropped
// without a FIN or RST on the wire. lwIP's timers do that when they give
// up on a pcb (retransmissions, SYN-RCVD, FIN-WAIT-2, LAST-ACK); the test
// drops the pcb the same way at once (tcp_abandon without reset: the
// error callback, nothing sent), which without the adapter's orphan check
// leaves the entry open for good.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "fdlink/lwip/netif_adapter.h"
#include "lwip/lwip_headers.h"
#include "lwip/pair_link_flow.h"
#include "lwip/tun_adapter_fixture.h"

namespace fdlink::lwip {
namespace {

using namespace std::chrono_literals;

AdapterConfig OrphanConfig() {
  AdapterConfig c = Config();
  c.nat.orphan_grace = 100ms;
  return c;
}

// DropPcbSilently frees the pcb of the connection to the listener's port
// as lwIP's timers do; false if there is none.
bool DropPcbSilently(uint16_t listen_port) {
  CoreLockGuard g;
  for (tcp_pcb* p = tcp_active_pcbs; p != nullptr; p = p->next) {
    if (p->local_port == listen_port) {
      tcp_abandon(p, /*reset=*/0);
      return true;
    }
  }
  return false;
}

TEST(AdapterOrphans, AnEntryWhosePcbLwipDroppedEndsAndTheTupleIsANewFlow) {
  std::atomic<Connection*> conn{nullptr};
  std::atomic<bool> errored{false};
  PairLink link(
      [&](NetifAdapter& a) {
        a.OnAccept([&](Connection& c) {
          core_lock.AssertHeld();
          c.OnError([&](Connection&) { errored = true; });
          conn = &c;
        });
      },
      OrphanConfig());
  ASSERT_TRUE(link.adapter);
  ASSERT_TRUE(Handshake(link));
  ASSERT_TRUE(WaitUntil([&] { return conn.load() != nullptr; }));
  (void)ReadAll(link.peer, 100);
  // A connection lwIP still holds keeps its entry past the grace.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(link.adapter->TranslationCounters().open, 1u);
  EXPECT_EQ(link.adapter->TranslationCounters().orphaned, 0u);

  ASSERT_TRUE(DropPcbSilently(Config().nat.listen_port));
  EXPECT_TRUE(errored.load()) << "the connection heard of it";
  EXPECT_TRUE(ReadAll(link.peer, 200).empty()) << "nothing on the wire";
  EXPECT_TRUE(WaitUntil(
      [&] { return link.adapter->TranslationCounters().open == 0; }, 3s))
      << "the entry outlived its pcb";
  EXPECT_EQ(link.adapter->TranslationCounters().orphaned, 1u);
  EXPECT_EQ(link.adapter->OpenConnections(), 0u);

  // The client trying again on the same tuple gets a new flow.
  conn = nullptr;
  ASSERT_TRUE(Handshake(link)) << "no SYN-ACK";
  ASSERT_TRUE(WaitUntil([&] { return conn.load() != nullptr; }));
  EXPECT_EQ(link.adapter->TranslationCounters().created, 2u);
}

}  // namespace
}  // namespace fdlink::lwip
