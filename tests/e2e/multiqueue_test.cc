// Multi-queue TUN end to end: two queues, two processor threads per queue.
// The kernel spreads flows over the queues by hash; 64 UDP flows (one
// source port each, IPv4 and IPv6) send several rounds of datagrams and
// every one is echoed byte-exact.
#include <gtest/gtest.h>
#include <poll.h>

#include <map>

#include "e2e/e2e_util.h"

namespace fdlink::e2e {
namespace {

constexpr int kFlows = 64;  // 48 IPv4 and 16 IPv6 source ports.
constexpr int kRounds = 4;

// Flow is one kernel UDP socket and where it sends.
struct Flow {
  UniqueFd fd;
  SockAddr to;
};

// EchoRound sends one datagram per flow, all at once, then collects the
// echoes, resending the missing ones every 500 ms for up to 10 s. Returns
// how many flows got their datagram back byte-exact.
int EchoRound(const std::vector<Flow>& flows, int round) {
  std::map<size_t, std::vector<uint8_t>> pending;
  for (size_t i = 0; i < flows.size(); ++i)
    pending[i] = Payload(100 + i * 13, static_cast<uint32_t>(round * 1000 + i));
  std::vector<uint8_t> buf(2048);
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!pending.empty() && std::chrono::steady_clock::now() < give_up) {
    for (const auto& [i, p] : pending)
      (void)::sendto(flows[i].fd.get(), p.data(), p.size(), 0,
                     flows[i].to.get(), flows[i].to.len);
    const auto resend = std::chrono::steady_clock::now() + 500ms;
    while (!pending.empty() && std::chrono::steady_clock::now() < resend) {
      std::vector<pollfd> pfds;
      for (const Flow& f : flows) pfds.push_back({f.fd.get(), POLLIN, 0});
      if (::poll(pfds.data(), pfds.size(), 50) <= 0) continue;
      for (size_t i = 0; i < flows.size(); ++i) {
        if (!(pfds[i].revents & POLLIN)) continue;
        const ssize_t n = ::recv(flows[i].fd.get(), buf.data(), buf.size(), 0);
        auto it = pending.find(i);
        if (it != pending.end() &&
            n == static_cast<ssize_t>(it->second.size()) &&
            std::equal(it->second.begin(), it->second.end(), buf.begin()))
          pending.erase(it);
      }
    }
  }
  return static_cast<int>(flows.size() - pending.size());
}

TEST_F(E2eTest, MultiQueueTunEchoesManyFlows) {
  ASSERT_TRUE(OpenDevice("fde2emq0", false, 2));
  ASSERT_EQ(tun_->fds().size(), 2u);
  fdbased::Options o;
  o.processors_per_channel = 2;
  StartResponder(tun_->borrowed_fds(), o);
  ASSERT_TRUE(ep_);
  ASSERT_EQ(ep_->FdCount(), 2u);
  ASSERT_EQ(ep_->ProcessorsPerChannel(), 2u);

  std::vector<Flow> flows;
  for (int i = 0; i < kFlows; ++i) {
    const bool v6 = i % 4 == 3;
    flows.push_back({OpenUdpIn(*ns_, v6 ? AF_INET6 : AF_INET),
                     MakeSockAddr(v6 ? kOurs6 : kOurs4, 7)});
    ASSERT_TRUE(flows.back().fd.valid());
  }
  // The first exchange per family also waits out the kernel's delayed
  // local route for the new IPv6 address.
  ASSERT_TRUE(UdpEcho(flows[0].fd.get(), flows[0].to, Payload(8, 1)));
  ASSERT_TRUE(UdpEcho(flows[3].fd.get(), flows[3].to, Payload(8, 2)));

  for (int round = 0; round < kRounds; ++round)
    EXPECT_EQ(EchoRound(flows, round), kFlows) << "round " << round;

  // Both queues carried traffic (64 flows all hashing to one queue would
  // be a 1 in 2^63 event).
  EXPECT_GT(ep_->Counters(0).rx_packets, 0u);
  EXPECT_GT(ep_->Counters(1).rx_packets, 0u);
  const responder::ResponderCounters c = SettledCounters();
  EXPECT_GE(c.udp_echoes, static_cast<uint64_t>(kFlows * kRounds))
      << c.Summary();
  EXPECT_EQ(c.tx_failed, 0u);
  EXPECT_EQ(ep_->TotalCounters().tx_errors, 0u);
}

}  // namespace
}  // namespace fdlink::e2e
