// TX coalescing (GRO before write) on fds with virtio-net headers: a run of
// one flow's packets within a WritePackets call goes out as one super-packet
// (merged headers, payload shared), flows keep their order, anything not
// merged has an all-zero header, and a coalesced write the kernel rejects
// falls back to one write per packet.
#include <gtest/gtest.h>

#include <string>

#include "fdlink/header/virtio_net.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/offload/gso_split.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"
#include "testing/super_packets.h"
#include "testing/tx_offload.h"

namespace fdlink::fdbased {
namespace {

using testing::SocketPairs;
using testing::SuperPacketSpec;
using testing::VnetBytes;

// Resplit splits a super-packet read from a virtio-net fd into the wire
// packets it stands for.
std::vector<std::vector<uint8_t>> Resplit(std::span<const uint8_t> read) {
  PacketBufferPtr p = testing::FromFrame(read);
  EXPECT_TRUE(p);
  if (!p) return {};
  std::vector<PacketBufferPtr> segs;
  Result<size_t> n = offload::SplitSuperPacket(*p, 0, segs);
  EXPECT_TRUE(n.has_value()) << n.error().ToString();
  std::vector<std::vector<uint8_t>> out;
  for (const PacketBufferPtr& s : segs) out.push_back(testing::Bytes(s));
  return out;
}

std::vector<std::vector<uint8_t>> BytesOf(
    std::span<const PacketBufferPtr> pkts) {
  std::vector<std::vector<uint8_t>> out;
  for (const PacketBufferPtr& p : pkts) out.push_back(testing::Bytes(p));
  return out;
}

TEST(EndpointCoalesceWrite, RunOfOneFlowIsOneSuperPacket) {
  struct Kind {
    const char* name;
    bool ipv6, tcp;
    uint8_t type;
  };
  for (const Kind& k :
       {Kind{"tcp4", false, true, 1}, Kind{"tcp6", true, true, 4},
        Kind{"udp4", false, false, 5}, Kind{"udp6", true, false, 5}}) {
    SCOPED_TRACE(k.name);
    SocketPairs sp(1);
    auto ep = testing::MustCreateEndpoint(
        testing::VnetOptions(sp.ours(), testing::kAllTunOffloads));
    // Five wire packets: four of 1200 bytes of payload and a short one.
    const testing::SuperPacket s = testing::BuildSuperPacket(
        {.ipv6 = k.ipv6, .tcp = k.tcp, .payload = 5500, .mss = 1200});
    std::vector<PacketBufferPtr> run = testing::WireRun(s);
    ASSERT_EQ(run.size(), 5u);
    const std::vector<std::vector<uint8_t>> want = BytesOf(run);
    Result<size_t> n = ep->WritePackets(run);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    EXPECT_EQ(*n, 5u);
    EXPECT_EQ(BytesOf(run), want) << "the caller's packets are unchanged";
    std::vector<std::vector<uint8_t>> got = testing::RecvAll(sp.peers[0].get());
    ASSERT_EQ(got.size(), 1u);
    const size_t l3 = k.ipv6 ? 40 : 20;
    const size_t l4 = k.tcp ? 20 : 8;
    EXPECT_EQ(testing::VnetHead(got[0]),
              (VnetBytes{1, k.type, static_cast<uint8_t>(l3 + l4), 0, 0xb0,
                         0x04,  // gso_size 1200
                         static_cast<uint8_t>(l3), 0,
                         static_cast<uint8_t>(k.tcp ? 16 : 6), 0}));
    EXPECT_EQ(got[0].size(), 10 + l3 + l4 + 5500);
    // The payload is every member's, in order.
    EXPECT_EQ(std::vector<uint8_t>(got[0].begin() + 10 + l3 + l4, got[0].end()),
              testing::Pattern(5500, 3));
    // Segmented again, it is the very wire packets that were written.
    EXPECT_EQ(Resplit(got[0]), want);
    const FdCounters c = ep->Counters(0);
    EXPECT_EQ(c.tx_packets, 5u);
    EXPECT_EQ(c.tx_coalesced, 5u);
  }
}

TEST(EndpointCoalesceWrite, MixedFlowsKeepTheirOrder) {
  SocketPairs sp(1);
  auto ep = testing::MustCreateEndpoint(
      testing::VnetOptions(sp.ours(), testing::kAllTunOffloads));
  const testing::SuperPacket a = testing::BuildSuperPacket(
      {.payload = 3000, .mss = 1000, .sport = 4000, .seed = 1});
  const testing::SuperPacket b = testing::BuildSuperPacket(
      {.payload = 2000, .mss = 1000, .sport = 4001, .seed = 2});
  std::vector<PacketBufferPtr> ra = testing::WireRun(a);
  std::vector<PacketBufferPtr> rb = testing::WireRun(b);
  ASSERT_EQ(ra.size(), 3u);
  ASSERT_EQ(rb.size(), 2u);
  // a0 a1 b0 b1 a2: runs (a0 a1), (b0 b1), then a2 alone.
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(std::move(ra[0]));
  pkts.push_back(std::move(ra[1]));
  pkts.push_back(std::move(rb[0]));
  pkts.push_back(std::move(rb[1]));
  pkts.push_back(std::move(ra[2]));
  const std::vector<std::vector<uint8_t>> want = BytesOf(pkts);
  ASSERT_EQ(*ep->WritePackets(pkts), 5u);
  std::vector<std::vector<uint8_t>> got = testing::RecvAll(sp.peers[0].get());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(Resplit(got[0]),
            (std::vector<std::vector<uint8_t>>{want[0], want[1]}));
  EXPECT_EQ(Resplit(got[1]),
            (std::vector<std::vector<uint8_t>>{want[2], want[3]}));
  EXPECT_EQ(testing::VnetHead(got[2]), VnetBytes{})
      << "alone: an all-zero header";
  EXPECT_EQ(std::vector<uint8_t>(got[2].begin() + 10, got[2].end()), want[4]);
  EXPECT_EQ(ep->Counters(0).tx_coalesced, 4u);
  EXPECT_EQ(ep->Counters(0).tx_packets, 5u);
}

TEST(EndpointCoalesceWrite, NothingIsCoalescedWithoutTheKernelsType) {
  // TSO only: a UDP run goes out packet by packet, with zero headers.
  SocketPairs sp(1);
  auto ep = testing::MustCreateEndpoint(
      testing::VnetOptions(sp.ours(), 0x01 | 0x02 | 0x04));
  const testing::SuperPacket s =
      testing::BuildSuperPacket({.tcp = false, .payload = 3000, .mss = 1000});
  std::vector<PacketBufferPtr> run = testing::WireRun(s);
  const std::vector<std::vector<uint8_t>> want = BytesOf(run);
  ASSERT_EQ(*ep->WritePackets(run), 3u);
  std::vector<std::vector<uint8_t>> got = testing::RecvAll(sp.peers[0].get());
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(testing::VnetHead(got[i]), VnetBytes{});
    EXPECT_EQ(std::vector<uint8_t>(got[i].begin() + 10, got[i].end()), want[i]);
  }
  EXPECT_EQ(ep->Counters(0).tx_coalesced, 0u);
}

TEST(EndpointCoalesceWrite, RejectedCoalescedWriteIsResentOneByOne) {
  // The merged frame is longer than the small send buffer allows (EMSGSIZE);
  // each member fits.
  SocketPairs sp(1);
  const int sndbuf = testing::SetSmallSendBuffer(sp.ends[0].get());
  const uint16_t mss = static_cast<uint16_t>(sndbuf / 2 - 20);
  Options o = testing::VnetOptions(sp.ours(), testing::kAllTunOffloads);
  o.mtu = 9000;  // Each member is larger than 1500.
  auto ep = testing::MustCreateEndpoint(std::move(o));
  const testing::SuperPacket s =
      testing::BuildSuperPacket({.payload = 2u * mss, .mss = mss});
  ::testing::internal::CaptureStderr();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    std::vector<PacketBufferPtr> run = testing::WireRun(s);
    ASSERT_EQ(run.size(), 2u);
    const std::vector<std::vector<uint8_t>> want = BytesOf(run);
    Result<size_t> n = ep->WritePackets(run);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    EXPECT_EQ(*n, 2u);
    std::vector<std::vector<uint8_t>> got = testing::RecvAll(sp.peers[0].get());
    ASSERT_EQ(got.size(), 2u);
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(testing::VnetHead(got[i]), VnetBytes{});
      EXPECT_EQ(std::vector<uint8_t>(got[i].begin() + 10, got[i].end()),
                want[i]);
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  const FdCounters c = ep->Counters(0);
  EXPECT_EQ(c.tx_coalesce_fallbacks, 1u);
  EXPECT_EQ(c.tx_coalesced, 0u);
  EXPECT_EQ(c.tx_packets, 4u);
  EXPECT_EQ(c.tx_errors, 0u);
  EXPECT_NE(err.find("tcp_coalesce"), std::string::npos) << err;
}

}  // namespace
}  // namespace fdlink::fdbased
