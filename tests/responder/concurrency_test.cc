// Several endpoint threads delivering to one Responder at once: every
// request is answered exactly once and the counters add up.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "fdlink/header/udp.h"
#include "responder_test_util.h"

namespace fdlink::responder::testing {
namespace {

constexpr int kSenders = 4;
constexpr int kPerSender = 200;
constexpr int kWindow = 8;  // Requests in flight per sender.

TEST(ResponderConcurrency, ManyThreadsAreAllAnswered) {
  fdlink::testing::SocketPairs sp(kSenders);
  fdbased::Options o;
  o.fds = sp.ours();
  o.processors_per_channel = 2;  // 8 delivering threads.
  auto ep = fdbased::Endpoint::Create(std::move(o));
  ASSERT_TRUE(ep.has_value());
  Responder r(ep->get(), DefaultConfig());
  (*ep)->Attach(&r);

  // The endpoint picks the write fd by flow hash (our replies carry no
  // hash), so replies come out on any pair; one reader drains each.
  std::atomic<int> answered[kSenders] = {};
  std::mutex seen_mu;
  std::set<std::pair<int, int>> seen;  // (sender, seq), under seen_mu.
  int duplicates = 0;                  // Under seen_mu.
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int fd = 0; fd < kSenders; ++fd) {
    readers.emplace_back([&, fd] {
      while (!stop.load()) {
        std::vector<uint8_t> b =
            fdlink::testing::RecvOne(sp.peers[fd].get(), 50ms);
        if (b.empty()) continue;
        // ICMPv4 echo reply (identifier = sender) or UDPv6 echo (source
        // port 7, destination port = 1000 + sender).
        int sender = -1, seq = -1;
        if ((b[0] >> 4) == 4 && b.size() >= 28) {
          sender = header::LoadBe16(b, 24);
          seq = header::LoadBe16(b, 26);
        } else if ((b[0] >> 4) == 6 && b.size() >= 50) {
          sender = header::LoadBe16(b, 42) - 1000;
          seq = header::LoadBe16(b, 48);
        }
        if (sender < 0 || sender >= kSenders) continue;
        {
          std::lock_guard<std::mutex> l(seen_mu);
          if (!seen.insert({sender, seq}).second) ++duplicates;
        }
        answered[sender].fetch_add(1);
      }
    });
  }

  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (int i = 0; i < kPerSender; ++i) {
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (i - answered[s].load() >= kWindow &&
               std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(100us);
        }
        std::vector<uint8_t> req;
        if (i % 2 == 0) {
          req = Icmpv4Echo(kPeerV4, kOurV4, static_cast<uint16_t>(s),
                           static_cast<uint16_t>(i), 32);
        } else {
          // The UDP payload starts with the sequence number.
          req = fdlink::testing::Ipv6Udp(
              kPeerV6, kOurV6, static_cast<uint16_t>(1000 + s), 7, 16);
          std::span<uint8_t> udp = std::span<uint8_t>(req).subspan(40);
          header::StoreBe16(udp, 8, static_cast<uint16_t>(i));
          header::MutableUdp(udp).SetChecksum(
              header::UdpChecksum(V6(kPeerV6), V6(kOurV6), udp));
        }
        fdlink::testing::Send(sp.peers[s].get(), req);
      }
    });
  }
  for (std::thread& t : senders) t.join();

  const auto deadline = std::chrono::steady_clock::now() + 10s;
  auto all_answered = [&] {
    for (const auto& a : answered) {
      if (a.load() < kPerSender) return false;
    }
    return true;
  };
  while (!all_answered() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  (*ep)->Attach(nullptr);

  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kSenders * kPerSender));
  const ResponderCounters c = r.Counters();
  EXPECT_EQ(c.received, static_cast<uint64_t>(kSenders * kPerSender));
  EXPECT_EQ(c.icmpv4_echo_replies,
            static_cast<uint64_t>(kSenders * kPerSender / 2));
  EXPECT_EQ(c.udp_echoes, static_cast<uint64_t>(kSenders * kPerSender / 2));
  EXPECT_EQ(c.tx_failed, 0u);
  EXPECT_EQ(c.total_drops(), 0u) << c.Summary();
}

}  // namespace
}  // namespace fdlink::responder::testing
