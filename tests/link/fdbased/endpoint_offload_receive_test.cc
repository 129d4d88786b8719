// The offload half of fdbased::Endpoint's receive path: inbound virtio-net
// headers decoded, super-packets delivered whole or split, partial
// checksums completed, bad headers dropped and counted, batch delivery.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "fdlink/base/mutex.h"
#include "fdlink/buffer/chunk.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"
#include "testing/super_packets.h"

namespace fdlink::fdbased {
namespace {

using testing::BuildSuperPacket;
using testing::Concat;
using testing::SocketPairs;
using testing::SuperPacket;
using testing::SuperPacketSpec;
using testing::VnetHeaderFor;
using testing::WireChecksumsValid;
namespace vn = header::virtio_net;

const MacAddress kOurs({0x02, 0x03, 0x03, 0x04, 0x05, 0x06});

// Got is one packet as a dispatcher saw it.
struct Got {
  std::vector<uint8_t> net;  // From the network header on.
  GSOOptions gso;
  bool validated = false;
  size_t slices = 0;
};

// BatchDispatcher records every batch it is handed (thread-safe); with
// `keep` it holds the packets until it is destroyed.
class BatchDispatcher : public NetworkDispatcher {
 public:
  explicit BatchDispatcher(bool super, bool keep = false)
      : super_(super), keep_(keep) {}
  bool TakesSuperPackets() const override { return super_; }
  void DeliverNetworkPacket(NetworkProtocolNumber, PacketBufferPtr p) override {
    DeliverNetworkPackets(std::span(&p, 1));
  }
  void DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) override {
    MutexLock l(&mu_);
    batches_.push_back(pkts.size());
    for (PacketBufferPtr& p : pkts) {
      std::span<uint8_t> net = p->NetworkPacket();
      got_.push_back({std::vector<uint8_t>(net.begin(), net.end()),
                      p->gso_options(), p->rx_checksum_validated(),
                      p->SliceCount()});
      if (keep_) kept_.push_back(std::move(p));
    }
    cv_.NotifyAll();
  }
  // WaitFor waits until n packets arrived; false after 10 s.
  bool WaitFor(size_t n) {
    MutexLock l(&mu_);
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got_.size() < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      cv_.WaitFor(&mu_, std::chrono::milliseconds(100));
    }
    return true;
  }
  std::vector<Got> Packets() {
    MutexLock l(&mu_);
    return got_;
  }
  std::vector<size_t> Batches() {
    MutexLock l(&mu_);
    return batches_;
  }

 private:
  const bool super_;
  const bool keep_;
  Mutex mu_{"test.BatchDispatcher.mu"};
  CondVar cv_;
  std::vector<Got> got_ GUARDED_BY(mu_);
  std::vector<size_t> batches_ GUARDED_BY(mu_);
  std::vector<PacketBufferPtr> kept_ GUARDED_BY(mu_);
};

std::unique_ptr<Endpoint> Make(
    const SocketPairs& sp, bool eth = false, uint32_t processors = 1,
    PacketDispatchMode mode = PacketDispatchMode::kReadv) {
  Options o;
  o.fds = sp.ours();
  o.mtu = 1500;  // Super-packets are far larger: buffers must not care.
  o.ethernet_header = eth;
  o.address = kOurs;
  o.processors_per_channel = processors;
  o.dispatch_mode = mode;
  o.offload.vnet_header = true;
  o.offload.kernel_offloads = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
  return testing::MustCreateEndpoint(std::move(o));
}

// Frame is the vnet header, an optional Ethernet header and `net`.
std::vector<uint8_t> Frame(std::span<const uint8_t> vnet,
                           std::span<const uint8_t> net, bool eth = false,
                           uint16_t ether_type = 0x0800) {
  if (!eth) return Concat(vnet, net);
  std::vector<uint8_t> l2 = testing::EthernetFrame(
      kOurs, MacAddress({2, 0, 0, 0, 0, 9}), ether_type, net);
  return Concat(vnet, l2);
}

// Receive sends `frames` to a fresh endpoint attached to `d`, waits for
// `want` packets, detaches and returns the endpoint's counters.
FdCounters Receive(BatchDispatcher& d,
                   const std::vector<std::vector<uint8_t>>& frames, size_t want,
                   bool eth = false, uint32_t processors = 1) {
  SocketPairs pairs(1);
  auto ep = Make(pairs, eth, processors);
  ep->Attach(&d);
  for (const std::vector<uint8_t>& f : frames)
    testing::Send(pairs.peers[0].get(), f);
  EXPECT_TRUE(d.WaitFor(want));
  ep->Attach(nullptr);
  return ep->TotalCounters();
}

struct Kind {
  const char* name;
  bool ipv6;
  bool tcp;
};
const Kind kKinds[] = {{"tcp4", false, true},
                       {"tcp6", true, true},
                       {"udp4", false, false},
                       {"udp6", true, false}};

SuperPacketSpec SpecFor(const Kind& k, size_t payload, uint16_t mss) {
  SuperPacketSpec s;
  s.ipv6 = k.ipv6;
  s.tcp = k.tcp;
  s.payload = payload;
  s.mss = mss;
  s.tcp_options = k.tcp ? 12 : 0;
  s.tcp_flags = header::tcp_flag::kAck | header::tcp_flag::kPsh;
  return s;
}

// The largest IP packet (65,535 bytes) after a vnet header, on a link
// whose MTU is 1500, as one super-packet.
size_t MaxPayload(const Kind& k) {
  const size_t l3 = k.ipv6 ? 40 : 20;
  const size_t l4 = k.tcp ? 32 : 8;
  return k.ipv6 ? 65535 - l4 : 65535 - l3 - l4;
}

TEST(EndpointOffloadReceive, SuperPacketDispatcherGetsThemWhole) {
  for (const Kind& k : kKinds) {
    for (bool eth : {false, true}) {
      SCOPED_TRACE(std::string(k.name) + (eth ? " eth" : ""));
      SuperPacket sp = BuildSuperPacket(SpecFor(k, MaxPayload(k), 1400));
      std::array<uint8_t, 10> vnet = VnetHeaderFor(sp, true, eth ? 14 : 0);
      // hdr_len is not trusted: here it claims the whole first segment.
      header::MutableVirtioNetHeader(std::span<uint8_t>(vnet))
          .SetHdrLen(static_cast<uint16_t>(1400 + 60));
      BatchDispatcher d(/*super=*/true);
      const FdCounters c = Receive(
          d, {Frame(vnet, sp.bytes, eth, k.ipv6 ? 0x86dd : 0x0800)}, 1, eth);
      std::vector<Got> got = d.Packets();
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].net, sp.bytes);  // Byte for byte, partial checksum.
      EXPECT_EQ(got[0].slices, 1u);     // The frame's own view.
      EXPECT_EQ(got[0].gso.type, sp.gso.type);
      EXPECT_EQ(got[0].gso.mss, 1400);
      EXPECT_TRUE(got[0].gso.needs_csum);
      EXPECT_EQ(got[0].gso.csum_offset, sp.gso.csum_offset);
      EXPECT_EQ(got[0].gso.l3_header_len, sp.gso.l3_header_len);
      EXPECT_EQ(got[0].gso.l4_header_len, sp.gso.l4_header_len);
      EXPECT_TRUE(got[0].validated);
      EXPECT_EQ(c.total_drops(), 0u);
    }
  }
}

TEST(EndpointOffloadReceive, OrdinaryDispatcherGetsByteExactSegments) {
  for (const Kind& k : kKinds) {
    for (uint32_t processors : {1u, 3u}) {
      SCOPED_TRACE(std::string(k.name) +
                   " processors=" + std::to_string(processors));
      const size_t payload = MaxPayload(k);
      SuperPacket sp = BuildSuperPacket(SpecFor(k, payload, 1400));
      const size_t segments = (payload + 1399) / 1400;
      BatchDispatcher d(/*super=*/false);
      Receive(d, {Frame(VnetHeaderFor(sp), sp.bytes)}, segments, false,
              processors);
      std::vector<Got> got = d.Packets();
      ASSERT_EQ(got.size(), segments);
      if (processors == 1) {
        // One read batch, one delivery call.
        EXPECT_EQ(d.Batches(), std::vector<size_t>{segments});
      }
      const size_t hdr = sp.gso.l3_header_len + sp.gso.l4_header_len;
      std::vector<uint8_t> joined;
      for (size_t i = 0; i < got.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(got[i].gso.type, GSOType::kNone);
        EXPECT_TRUE(WireChecksumsValid(got[i].net));
        EXPECT_EQ(got[i].net.size(),
                  hdr + std::min<size_t>(1400, payload - i * 1400));
        joined.insert(joined.end(), got[i].net.begin() + hdr, got[i].net.end());
      }
      EXPECT_EQ(joined,
                std::vector<uint8_t>(sp.bytes.begin() + hdr, sp.bytes.end()));
    }
  }
}

// A wire packet with NEEDS_CSUM (any read once TUN_F_CSUM is on) reaches
// every dispatcher with its checksum complete.
TEST(EndpointOffloadReceive, NeedsCsumIsCompleted) {
  for (const Kind& k : kKinds) {
    for (bool eth : {false, true}) {
      for (bool super : {false, true}) {
        SCOPED_TRACE(std::string(k.name) + (eth ? " eth" : "") +
                     (super ? " super" : ""));
        SuperPacketSpec s = SpecFor(k, 777, 1400);
        SuperPacket sp = BuildSuperPacket(s);
        sp.gso.type = GSOType::kNone;
        ASSERT_FALSE(WireChecksumsValid(sp.bytes));
        std::array<uint8_t, 10> vnet = VnetHeaderFor(sp, true, eth ? 14 : 0);
        BatchDispatcher d(super);
        Receive(d, {Frame(vnet, sp.bytes, eth, k.ipv6 ? 0x86dd : 0x0800)}, 1,
                eth);
        std::vector<Got> got = d.Packets();
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].gso.type, GSOType::kNone);
        EXPECT_FALSE(got[0].gso.needs_csum);
        EXPECT_TRUE(WireChecksumsValid(got[0].net));
        s.partial = false;
        EXPECT_EQ(got[0].net, BuildSuperPacket(s).bytes);
        EXPECT_TRUE(got[0].validated);
      }
    }
  }
}

// Each malformed header is dropped and counted; the loop goes on and
// delivers the good frame sent after all of them.
TEST(EndpointOffloadReceive, MalformedVnetHeadersAreDroppedAndCounted) {
  SuperPacket tcp4 = BuildSuperPacket(SpecFor(kKinds[0], 4000, 1000));
  SuperPacket udp6 = BuildSuperPacket(SpecFor(kKinds[3], 4000, 1000));
  struct Bad {
    const char* what;
    const SuperPacket* sp;
    void (*mutate)(header::MutableVirtioNetHeader&, std::vector<uint8_t>&);
  };
  using H = header::MutableVirtioNetHeader;
  using B = std::vector<uint8_t>;
  const Bad cases[] = {
      {"gso without needs_csum", &tcp4, [](H& h, B&) { h.SetFlags(0); }},
      {"tcpv6 on ipv4", &tcp4, [](H& h, B&) { h.SetGsoType(vn::kGsoTcpV6); }},
      {"tcpv4 on ipv6", &udp6, [](H& h, B&) { h.SetGsoType(vn::kGsoTcpV4); }},
      {"udp_l4 on tcp", &tcp4, [](H& h, B&) { h.SetGsoType(vn::kGsoUdpL4); }},
      {"legacy ufo", &udp6, [](H& h, B&) { h.SetGsoType(vn::kGsoUdp); }},
      {"unknown type", &tcp4, [](H& h, B&) { h.SetGsoType(9); }},
      {"gso_size 0", &tcp4, [](H& h, B&) { h.SetGsoSize(0); }},
      {"csum_start past the end", &tcp4,
       [](H& h, B&) { h.SetCsumStart(5000); }},
      {"csum_start not the L4 header", &tcp4,
       [](H& h, B&) { h.SetCsumStart(24); }},
      {"csum_offset wrong", &tcp4, [](H& h, B&) { h.SetCsumOffset(6); }},
      {"tcp data offset below 20", &tcp4, [](H&, B& b) { b[20 + 12] = 0x40; }},
      {"ip length disagrees", &tcp4, [](H&, B& b) { b.resize(b.size() - 1); }},
      {"plain csum_offset past the end", &tcp4,
       [](H& h, B&) {
         h.SetGsoType(vn::kGsoNone);
         h.SetCsumOffset(4100);
       }},
      {"truncated frame", &tcp4, [](H&, B& b) { b.resize(30); }},
      {"plain csum_start inside the IP header", &tcp4,
       [](H& h, B&) {
         h.SetGsoType(vn::kGsoNone);
         h.SetCsumStart(4);
       }},
  };
  std::vector<std::vector<uint8_t>> frames;
  for (const Bad& c : cases) {
    std::array<uint8_t, 10> vnet = VnetHeaderFor(*c.sp);
    std::vector<uint8_t> net = c.sp->bytes;
    H h{std::span<uint8_t>(vnet)};
    c.mutate(h, net);
    frames.push_back(Frame(vnet, net));
  }
  frames.push_back(Frame(VnetHeaderFor(tcp4), tcp4.bytes));
  BatchDispatcher d(/*super=*/true);
  const FdCounters c = Receive(d, frames, 1);
  EXPECT_EQ(c.drops_of(DropReason::kBadVnetHeader), std::size(cases));
  EXPECT_EQ(c.total_drops(), std::size(cases));
  std::vector<Got> got = d.Packets();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].net, tcp4.bytes);
  EXPECT_EQ(DropReasonName(DropReason::kBadVnetHeader), "bad_vnet_header");
  EXPECT_EQ(DropReasonName(DropReason::kUnsplittable), "unsplittable");
}

// More than kMaxSegments segments: whole to a dispatcher that takes
// super-packets; dropped and counted for one that needs them split.
TEST(EndpointOffloadReceive, UnsplittableSuperPacketIsCounted) {
  SuperPacket sp = BuildSuperPacket(SpecFor(kKinds[2], 20000, 100));
  for (bool super : {true, false}) {
    SCOPED_TRACE(super);
    BatchDispatcher d(super);
    SuperPacket ok = BuildSuperPacket(SpecFor(kKinds[2], 100, 100));
    const FdCounters c = Receive(d,
                                 {Frame(VnetHeaderFor(sp), sp.bytes),
                                  Frame(VnetHeaderFor(ok), ok.bytes)},
                                 super ? 2 : 1);
    EXPECT_EQ(c.drops_of(DropReason::kUnsplittable), super ? 0u : 1u);
    EXPECT_EQ(d.Packets().size(), super ? 2u : 1u);
  }
}

// Frames queued before the loop runs come out in one batch delivery call.
TEST(EndpointOffloadReceive, BatchDeliveryCarriesSeveralPackets) {
  for (PacketDispatchMode mode :
       {PacketDispatchMode::kReadv, PacketDispatchMode::kRecvMMsg}) {
    SCOPED_TRACE(DispatchModeName(mode));
    BatchDispatcher d(/*super=*/false);
    SocketPairs pairs(1);
    auto ep = Make(pairs, false, 1, mode);
    std::vector<uint8_t> ip =
        testing::Ipv4Udp("198.18.0.1", "198.19.0.2", 1, 2, 100);
    std::array<uint8_t, 10> none{};
    for (int i = 0; i < 5; ++i)
      testing::Send(pairs.peers[0].get(), Frame(none, ip));
    ep->Attach(&d);
    ASSERT_TRUE(d.WaitFor(5));
    ep->Attach(nullptr);
    std::vector<size_t> batches = d.Batches();
    ASSERT_FALSE(batches.empty());
    EXPECT_EQ(batches[0], 5u);
  }
}

// Many small reads share one receive chunk: buffers take 10 + 65,535
// bytes, but each packet keeps only what it used.
TEST(EndpointOffloadReceive, SmallReadsShareOneChunk) {
  BatchDispatcher d(/*super=*/false, /*keep=*/true);
  SocketPairs pairs(1);
  auto ep = Make(pairs);
  std::vector<uint8_t> ip =
      testing::Ipv4Udp("198.18.0.1", "198.19.0.2", 1, 2, 60);
  std::array<uint8_t, 10> none{};
  const int64_t before = Chunk::LiveCount();
  ep->Attach(&d);
  for (int i = 0; i < 500; ++i)
    testing::Send(pairs.peers[0].get(), Frame(none, ip));
  ASSERT_TRUE(d.WaitFor(500));
  // Every packet is still held: one chunk (plus at most one the carver has
  // just moved to) holds all 500 of them.
  EXPECT_LE(Chunk::LiveCount() - before, 2);
  ep->Attach(nullptr);
}

}  // namespace
}  // namespace fdlink::fdbased
