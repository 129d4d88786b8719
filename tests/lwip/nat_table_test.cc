// NatTable: entries, unique pool pairs, lifetimes, the cap, counters.
#include "fdlink/lwip/nat_table.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "lwip/lwip_test_packets.h"

namespace fdlink::lwip {
namespace {

using namespace std::chrono_literals;
using Clock = NatTable::Clock;

NatConfig Config(size_t max_entries = 16) {
  NatConfig c;
  c.local4 = V4("198.19.0.1");
  c.local6 = V6("2001:db8:ff::1");
  c.listen_port = 7000;
  c.pool4 = V4("198.19.1.0");
  c.pool6 = V6("2001:db8:ff::1:0");
  c.pool_addresses = 2;
  c.first_port = 1000;
  c.last_port = 1009;  // 20 pairs.
  c.max_entries = max_entries;
  c.tcp_linger = 100ms;
  c.udp_idle = 1s;
  return c;
}

FlowKey Tcp4(uint16_t sport, const char* dst = "198.18.64.7",
             uint16_t dport = 8080) {
  FlowKey k;
  k.proto = 6;
  k.src = FlowAddr::FromV4(V4("198.18.64.1"), sport);
  k.dst = FlowAddr::FromV4(V4(dst), dport);
  return k;
}

TEST(NatTable, RejectsBadConfigs) {
  NatConfig c = Config();
  c.max_entries = 20;  // Pool of 20 pairs: must be larger.
  EXPECT_FALSE(NatTable::Create(c));
  c = Config();
  c.first_port = 2000;
  c.last_port = 1000;
  EXPECT_FALSE(NatTable::Create(c));
  c = Config();
  c.max_entries = 0;
  EXPECT_FALSE(NatTable::Create(c));
  EXPECT_TRUE(NatTable::Create(Config(19)));
}

TEST(NatTable, MapsBothWays) {
  NatTable t = NatTable::Create(Config()).value();
  const Clock::time_point now = Clock::now();
  NatEntry* e = t.Open(Tcp4(40000), now);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->translated_dst, FlowAddr::FromV4(V4("198.19.0.1"), 7000));
  EXPECT_EQ(e->translated_src, FlowAddr::FromV4(V4("198.19.1.0"), 1000));
  EXPECT_EQ(t.FindOriginal(Tcp4(40000)), e);
  EXPECT_EQ(t.FindTranslated(6, e->translated_src), e);
  EXPECT_EQ(t.FindTranslated(17, e->translated_src), nullptr);
  EXPECT_EQ(t.Open(Tcp4(40000), now), e) << "a retransmitted SYN";
  EXPECT_EQ(t.counters().created, 1u);
  EXPECT_EQ(t.counters().open, 1u);
}

TEST(NatTable, Ipv6UsesThePool6) {
  NatTable t = NatTable::Create(Config()).value();
  FlowKey k;
  k.proto = 6;
  k.src = FlowAddr::FromV6(V6("2001:db8:64::1"), 5);
  k.dst = FlowAddr::FromV6(V6("2001:db8:64::7"), 443);
  NatEntry* e = t.Open(k, Clock::now());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->translated_src.ToString(), "[2001:db8:ff::1:0]:1000");
  EXPECT_EQ(e->translated_dst.ToString(), "[2001:db8:ff::1]:7000");
}

TEST(NatTable, PoolPairsNeverCollide) {
  NatTable t = NatTable::Create(Config(19)).value();
  const Clock::time_point now = Clock::now();
  std::set<std::pair<std::string, uint16_t>> seen;
  // Fill, free some, refill, several rounds: every open entry keeps a
  // distinct pair, and no lookup ever finds the wrong entry.
  uint16_t sport = 1;
  std::vector<FlowKey> open;
  for (int round = 0; round < 5; ++round) {
    while (open.size() < 19) {
      FlowKey k = Tcp4(sport++);
      ASSERT_NE(t.Open(k, now), nullptr);
      open.push_back(k);
    }
    std::set<std::string> pairs;
    for (const FlowKey& k : open) {
      NatEntry* e = t.FindOriginal(k);
      ASSERT_NE(e, nullptr);
      EXPECT_TRUE(pairs.insert(e->translated_src.ToString()).second)
          << e->translated_src.ToString() << " used twice";
      EXPECT_EQ(t.FindTranslated(6, e->translated_src), e);
    }
    for (size_t i = 0; i < open.size(); i += 2) {
      t.Remove(t.FindOriginal(open[i]));
    }
    std::erase_if(
        open, [&](const FlowKey& k) { return t.FindOriginal(k) == nullptr; });
  }
}

TEST(NatTable, CapRefusesAndCounts) {
  NatTable t = NatTable::Create(Config(3)).value();
  const Clock::time_point now = Clock::now();
  for (uint16_t p = 1; p <= 3; ++p) ASSERT_NE(t.Open(Tcp4(p), now), nullptr);
  EXPECT_EQ(t.Open(Tcp4(4), now), nullptr);
  EXPECT_EQ(t.counters().refused, 1u);
  EXPECT_EQ(t.counters().open, 3u);
}

TEST(NatTable, AFullTableReclaimsTheOldestLingeringEntry) {
  NatTable t = NatTable::Create(Config(3)).value();
  const Clock::time_point now = Clock::now();
  NatEntry* a = t.Open(Tcp4(1), now);
  NatEntry* b = t.Open(Tcp4(2), now);
  ASSERT_NE(t.Open(Tcp4(3), now), nullptr);
  // b closes first, then a; 1 also gets reset after closing (stale item).
  ASSERT_TRUE(t.OnTcpInbound(b, 0x11, now));
  ASSERT_TRUE(t.OnTcpOutbound(b, 0x11, now));
  ASSERT_TRUE(t.OnTcpInbound(a, 0x11, now));
  ASSERT_TRUE(t.OnTcpOutbound(a, 0x11, now));
  NatEntry* d = t.Open(Tcp4(4), now);
  ASSERT_NE(d, nullptr) << "a lingering entry gives way";
  EXPECT_EQ(t.FindOriginal(Tcp4(2)), nullptr) << "the oldest one (b)";
  EXPECT_NE(t.FindOriginal(Tcp4(1)), nullptr);
  EXPECT_EQ(t.counters().reclaimed, 1u);
  // a is reset: its list item goes stale and is skipped; an open entry is
  // never reclaimed, so the next flow is refused.
  EXPECT_FALSE(t.OnTcpOutbound(t.FindOriginal(Tcp4(1)), 0x04, now));
  ASSERT_NE(t.Open(Tcp4(5), now), nullptr) << "a's slot is free again";
  EXPECT_EQ(t.Open(Tcp4(6), now), nullptr);
  EXPECT_EQ(t.counters().refused, 1u);
  EXPECT_EQ(t.counters().reclaimed, 1u);
  EXPECT_EQ(t.counters().open, 3u);
}

TEST(NatTable, EndedTcpEntriesAreReportedOnce) {
  NatTable t = NatTable::Create(Config(2)).value();
  const Clock::time_point now = Clock::now();
  NatEntry* a = t.Open(Tcp4(1), now);
  const FlowAddr a_pool = a->translated_src;
  ASSERT_TRUE(t.OnTcpInbound(a, 0x11, now));
  ASSERT_TRUE(t.OnTcpOutbound(a, 0x11, now));
  NatEntry* b = t.Open(Tcp4(2), now);
  EXPECT_FALSE(t.OnTcpInbound(b, 0x04, now));  // RST: the stack saw it.
  EXPECT_TRUE(t.TakeEndedTcp().empty()) << "a still lingers; b was reset";
  EXPECT_EQ(t.Expire(now + 1h), 1u);
  EXPECT_EQ(t.TakeEndedTcp(), std::vector<FlowAddr>{a_pool});
  EXPECT_TRUE(t.TakeEndedTcp().empty());
  // A reclaimed lingering entry is reported too.
  NatEntry* c = t.Open(Tcp4(3), now);
  const FlowAddr c_pool = c->translated_src;
  ASSERT_TRUE(t.OnTcpInbound(c, 0x11, now));
  ASSERT_TRUE(t.OnTcpOutbound(c, 0x11, now));
  ASSERT_NE(t.Open(Tcp4(4), now), nullptr);
  ASSERT_NE(t.Open(Tcp4(5), now), nullptr);
  EXPECT_EQ(t.TakeEndedTcp(), std::vector<FlowAddr>{c_pool});
}

TEST(NatTable, TcpLingersAfterBothFinsAndDiesOnRst) {
  NatTable t = NatTable::Create(Config()).value();
  const Clock::time_point now = Clock::now();
  NatEntry* e = t.Open(Tcp4(1), now);
  EXPECT_TRUE(t.OnTcpInbound(e, 0x11, now));  // FIN|ACK from the client.
  EXPECT_EQ(t.Expire(now + 1h), 0u) << "half-closed: no deadline";
  EXPECT_TRUE(t.OnTcpOutbound(e, 0x11, now));
  EXPECT_EQ(t.Expire(now + 50ms), 0u) << "still lingering";
  EXPECT_EQ(t.Expire(now + 100ms), 1u);
  EXPECT_EQ(t.FindOriginal(Tcp4(1)), nullptr);

  NatEntry* r = t.Open(Tcp4(2), now);
  EXPECT_FALSE(t.OnTcpOutbound(r, 0x04, now));  // RST: gone at once.
  EXPECT_EQ(t.FindOriginal(Tcp4(2)), nullptr);
  const NatCounters c = t.counters();
  EXPECT_EQ(c.created, 2u);
  EXPECT_EQ(c.expired, 2u);
  EXPECT_EQ(c.open, 0u);
}

TEST(NatTable, AnOpenTcpEntryWithoutAConnectionLingersAfterTheGrace) {
  NatConfig config = Config();
  config.orphan_grace = 1s;
  NatTable t = NatTable::Create(config).value();
  const Clock::time_point t0 = Clock::now();
  NatEntry* a = t.Open(Tcp4(1), t0);
  NatEntry* b = t.Open(Tcp4(2), t0);
  const FlowAddr b_pool = b->translated_src;
  FlowKey udp = Tcp4(3);
  udp.proto = 17;
  ASSERT_NE(t.Open(udp, t0), nullptr);
  bool a_alive = true;  // b's connection is gone from the start.
  auto alive = [&](const NatEntry& e) {
    return e.original.src.port == 1 && a_alive;
  };
  EXPECT_EQ(t.LingerOrphans(alive, t0), 0u);
  a_alive = false;
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 500ms), 0u);
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 999ms), 0u) << "within the grace";
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 1s), 1u) << "b, missing for 1 s";
  EXPECT_EQ(t.counters().orphaned, 1u) << "UDP entries are not judged";
  EXPECT_TRUE(b->closing);
  EXPECT_FALSE(a->closing);
  a_alive = true;  // Found again: a's clock restarts.
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 1200ms), 0u);
  a_alive = false;
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 2200ms), 0u);
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 3199ms), 0u);
  // b lingered tcp_linger (100 ms) from 1 s; the UDP entry idled 1 s.
  EXPECT_EQ(t.Expire(t0 + 1100ms), 2u);
  EXPECT_EQ(t.FindOriginal(Tcp4(2)), nullptr);
  EXPECT_EQ(t.TakeEndedTcp(), std::vector<FlowAddr>{b_pool});
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 3200ms), 1u) << "a";
  EXPECT_EQ(t.LingerOrphans(alive, t0 + 9s), 0u) << "counted once";
  EXPECT_EQ(t.Expire(t0 + 3300ms), 1u);
  const NatCounters c = t.counters();
  EXPECT_EQ(c.orphaned, 2u);
  EXPECT_EQ(c.open, 0u);
}

TEST(NatTable, UdpExpiresWhenIdle) {
  NatTable t = NatTable::Create(Config()).value();
  const Clock::time_point now = Clock::now();
  FlowKey k = Tcp4(9);
  k.proto = 17;
  NatEntry* e = t.Open(k, now);
  ASSERT_NE(e, nullptr);
  t.TouchUdp(e, now + 900ms);
  EXPECT_EQ(t.Expire(now + 1s), 0u) << "touched at 900 ms";
  EXPECT_EQ(t.Expire(now + 1900ms), 1u);
  EXPECT_EQ(t.counters().open, 0u);
}

}  // namespace
}  // namespace fdlink::lwip
