// Receive GRO on a socketpair: wire TCP and UDP packets of interleaved
// flows, read in one batch, reach a dispatcher that takes super-packets
// merged by the kernel's rules, with the right GSO metadata and counters,
// every byte exactly once and each flow in order; no GRO for a dispatcher
// that needs wire packets, with the switches off, or where the kernel
// already coalesces.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "fdlink/base/mutex.h"
#include "fdlink/header/tcp.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "testing/endpoints.h"
#include "testing/flow_packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::SegmentSpec;
using testing::SocketPairs;

// Got is one delivered packet: its bytes from the network header on and
// its GSO options.
struct Got {
  Bytes net;
  GSOOptions gso;
};

// SuperDispatcher records what it is handed (thread-safe).
class SuperDispatcher : public NetworkDispatcher {
 public:
  explicit SuperDispatcher(bool super) : super_(super) {}
  bool TakesSuperPackets() const override { return super_; }
  void DeliverNetworkPacket(NetworkProtocolNumber, PacketBufferPtr p) override {
    DeliverNetworkPackets(std::span(&p, 1));
  }
  void DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) override {
    MutexLock l(&mu_);
    for (PacketBufferPtr& p : pkts) {
      Bytes b = p->ToBytes();
      b.erase(b.begin(), b.begin() + static_cast<long>(p->LinkHeaderSize()));
      got_.push_back({std::move(b), p->gso_options()});
      wire_ +=
          p->gso_options().type == GSOType::kNone
              ? 1
              : testing::SplitByHand(got_.back().net, p->gso_options()).size();
    }
    cv_.NotifyAll();
  }
  // WaitForWire waits until packets standing for n wire packets arrived;
  // false after 10 s.
  bool WaitForWire(size_t n) {
    MutexLock l(&mu_);
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (wire_ < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      cv_.WaitFor(&mu_, std::chrono::milliseconds(100));
    }
    return true;
  }
  std::vector<Got> Packets() {
    MutexLock l(&mu_);
    return got_;
  }

 private:
  const bool super_;
  Mutex mu_{"test.SuperDispatcher.mu"};
  CondVar cv_;
  std::vector<Got> got_ GUARDED_BY(mu_);
  size_t wire_ GUARDED_BY(mu_) = 0;
};

// Flow makes consecutive segments of one flow (ip ids count packets, as a
// kernel sender's do, so a split super-packet gives back the same bytes).
struct Flow {
  SegmentSpec spec;
  uint32_t id = 0;
  uint32_t offset = 0;
  Bytes Next(size_t n) {
    SegmentSpec s = spec;
    s.seq = spec.seq + offset;
    s.ip_id = static_cast<uint16_t>(spec.ip_id++);
    s.payload = testing::StreamBytes(id, offset, n);
    offset += static_cast<uint32_t>(n);
    return testing::BuildSegment(s);
  }
};

Flow MakeFlow(uint32_t id, bool udp, int version = 4) {
  Flow f;
  f.id = id;
  f.spec.udp = udp;
  f.spec.version = version;
  f.spec.sport = static_cast<uint16_t>(40000 + id);
  return f;
}

// Traffic is 10 TCPv4 segments of flow 1 interleaved with 5 TCPv6 segments
// of flow 2 and 4 UDPv4 datagrams of flow 3, then a SYN of flow 4: 20
// frames, 3 super-packets and one packet left alone when merged.
std::vector<Bytes> Traffic() {
  Flow a = MakeFlow(1, false), b = MakeFlow(2, false, 6), c = MakeFlow(3, true);
  std::vector<Bytes> in;
  for (int i = 0; i < 10; ++i) {
    in.push_back(a.Next(1200));
    if (i % 2 == 0) in.push_back(b.Next(900));
    if (i % 3 == 0) in.push_back(c.Next(300));
  }
  Flow syn = MakeFlow(4, false);
  syn.spec.flags = header::tcp_flag::kSyn;
  in.push_back(syn.Next(0));
  return in;
}

std::string FlowOf(const Bytes& b) {
  if ((b[0] >> 4) == 4) {
    return std::string(b.begin() + 12, b.begin() + 24);  // IHL 5 here.
  }
  return std::string(b.begin() + 8, b.begin() + 44);
}

// ExpectEveryByteOnceInFlowOrder splits what arrived back into wire
// packets and compares them, flow by flow, with what was sent.
void ExpectEveryByteOnceInFlowOrder(const std::vector<Bytes>& sent,
                                    const std::vector<Got>& got) {
  std::map<std::string, std::vector<Bytes>> want, have;
  for (const Bytes& b : sent) want[FlowOf(b)].push_back(b);
  for (const Got& g : got) {
    if (g.gso.type == GSOType::kNone) {
      have[FlowOf(g.net)].push_back(g.net);
      continue;
    }
    std::vector<Bytes> parts = testing::SplitByHand(g.net, g.gso);
    EXPECT_FALSE(parts.empty());
    for (Bytes& p : parts) have[FlowOf(p)].push_back(std::move(p));
  }
  EXPECT_EQ(have, want);
}

struct GroSetup {
  bool super = true;
  bool tcp_gro = true;
  bool udp_gro = true;
  bool vnet = false;
  uint32_t kernel_offloads = 0;
  uint32_t processors = 1;
  PacketDispatchMode mode = PacketDispatchMode::kRecvMMsg;
};

// Run sends `frames` before attaching (so that the first reads find them
// all), waits for every wire packet and returns what arrived and the
// counters.
std::pair<std::vector<Got>, FdCounters> Receive(
    const GroSetup& s, const std::vector<Bytes>& frames) {
  SocketPairs pairs(1, SOCK_DGRAM);
  Options o;
  o.fds = pairs.ours();
  o.mtu = 1500;
  o.max_msgs_per_recv = 64;
  o.dispatch_mode = s.mode;
  o.processors_per_channel = s.processors;
  o.offload.vnet_header = s.vnet;
  o.offload.kernel_offloads = s.kernel_offloads;
  o.offload.tcp_gro = s.tcp_gro;
  o.offload.udp_gro = s.udp_gro;
  std::unique_ptr<Endpoint> ep = testing::MustCreateEndpoint(std::move(o));
  for (const Bytes& f : frames) {
    if (!s.vnet) {
      testing::Send(pairs.peers[0].get(), f);
      continue;
    }
    Bytes v(10, 0);  // GSO_NONE, no flags: an ordinary packet.
    v.insert(v.end(), f.begin(), f.end());
    testing::Send(pairs.peers[0].get(), v);
  }
  SuperDispatcher d(s.super);
  ep->Attach(&d);
  EXPECT_TRUE(d.WaitForWire(frames.size()));
  ep->Attach(nullptr);
  return {d.Packets(), ep->TotalCounters()};
}

TEST(EndpointGro, InterleavedFlowsArriveMergedEveryByteOnce) {
  for (PacketDispatchMode mode :
       {PacketDispatchMode::kRecvMMsg, PacketDispatchMode::kReadv}) {
    SCOPED_TRACE(mode == PacketDispatchMode::kReadv ? "readv" : "recvmmsg");
    const std::vector<Bytes> sent = Traffic();
    auto [got, c] = Receive(GroSetup{.mode = mode}, sent);
    ASSERT_EQ(got.size(), 4u);
    // Each super-packet's GSO options and size, in first-arrival order.
    EXPECT_EQ(got[0].gso.type, GSOType::kTCPv4);
    EXPECT_EQ(got[0].gso.mss, 1200);
    EXPECT_TRUE(got[0].gso.needs_csum);
    EXPECT_EQ(got[0].gso.l3_header_len, 20);
    EXPECT_EQ(got[0].gso.l4_header_len, 20);
    EXPECT_EQ(got[0].gso.csum_offset, 16);
    EXPECT_EQ(got[0].net.size(), 40u + 10 * 1200);
    EXPECT_EQ(got[1].gso.type, GSOType::kTCPv6);
    EXPECT_EQ(got[1].gso.mss, 900);
    EXPECT_EQ(got[1].gso.l3_header_len, 40);
    EXPECT_EQ(got[1].net.size(), 60u + 5 * 900);
    EXPECT_EQ(got[2].gso.type, GSOType::kUDPL4);
    EXPECT_EQ(got[2].gso.mss, 300);
    EXPECT_EQ(got[2].gso.csum_offset, 6);
    EXPECT_EQ(got[2].net.size(), 28u + 4 * 300);
    EXPECT_EQ(got[3].gso.type, GSOType::kNone);  // The SYN.
    ExpectEveryByteOnceInFlowOrder(sent, got);
    EXPECT_EQ(c.rx_packets, sent.size());
    EXPECT_EQ(c.rx_gro_super, 3u);
    EXPECT_EQ(c.rx_gro_merged, 19u);
    EXPECT_EQ(c.total_drops(), 0u);
  }
}

TEST(EndpointGro, ProcessorsMergeTheirOwnBatchesInFlowOrder) {
  const std::vector<Bytes> sent = Traffic();
  auto [got, c] = Receive(GroSetup{.processors = 2}, sent);
  ExpectEveryByteOnceInFlowOrder(sent, got);
  size_t supers = 0, merged = 0;
  for (const Got& g : got) {
    if (g.gso.type == GSOType::kNone) continue;
    ++supers;
    merged += testing::SplitByHand(g.net, g.gso).size();
  }
  EXPECT_EQ(c.rx_gro_super, supers);
  EXPECT_EQ(c.rx_gro_merged, merged);
  EXPECT_EQ(got.size(), sent.size() - merged + supers);
}

TEST(EndpointGro, WireDispatcherGetsWirePackets) {
  const std::vector<Bytes> sent = Traffic();
  auto [got, c] = Receive(GroSetup{.super = false}, sent);
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].net, sent[i]);
  EXPECT_EQ(c.rx_gro_super, 0u);
  EXPECT_EQ(c.rx_gro_merged, 0u);
}

TEST(EndpointGro, SwitchesTurnEachProtocolOff) {
  const std::vector<Bytes> sent = Traffic();
  auto [no_tcp, c1] = Receive(GroSetup{.tcp_gro = false}, sent);
  EXPECT_EQ(c1.rx_gro_super, 1u);  // The UDP flow only.
  EXPECT_EQ(c1.rx_gro_merged, 4u);
  ExpectEveryByteOnceInFlowOrder(sent, no_tcp);
  auto [no_udp, c2] = Receive(GroSetup{.udp_gro = false}, sent);
  EXPECT_EQ(c2.rx_gro_super, 2u);
  EXPECT_EQ(c2.rx_gro_merged, 15u);
  ExpectEveryByteOnceInFlowOrder(sent, no_udp);
  auto [none, c3] = Receive(GroSetup{.tcp_gro = false, .udp_gro = false}, sent);
  EXPECT_EQ(none.size(), sent.size());
  EXPECT_EQ(c3.rx_gro_super, 0u);
}

TEST(EndpointGro, OnlyWhereTheKernelDidNotCoalesce) {
  const std::vector<Bytes> sent = Traffic();
  // A vnet header with TSO/USO: the kernel coalesces, GRO stays out.
  auto [kernel, c1] = Receive(
      GroSetup{.vnet = true, .kernel_offloads = 0x01 | 0x02 | 0x04}, sent);
  EXPECT_EQ(kernel.size(), sent.size());
  EXPECT_EQ(c1.rx_gro_super, 0u);
  // A vnet header with checksum offload only: GRO runs.
  auto [csum, c2] =
      Receive(GroSetup{.vnet = true, .kernel_offloads = 0x01}, sent);
  EXPECT_EQ(c2.rx_gro_super, 3u);
  ExpectEveryByteOnceInFlowOrder(sent, csum);
}

}  // namespace
}  // namespace fdlink::fdbased
