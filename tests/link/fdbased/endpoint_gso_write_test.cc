// WritePackets with super-packets: written whole behind a virtio-net header
// when the fd carries one and the kernel took that GSO type, split into
// wire packets in software otherwise; partial checksums completed where the
// kernel does not; and the runtime fallback when the kernel rejects a GSO
// write (EMSGSIZE from a small socket buffer, EINVAL injected).
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "fdlink/header/virtio_net.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "link/fdbased/tx_batch.h"
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

constexpr uint32_t kTsoOnly = 0x01 | 0x02 | 0x04;  // CSUM | TSO4 | TSO6.

struct Kind {
  const char* name;
  bool ipv6;
  bool tcp;
};
constexpr Kind kKinds[] = {{"tcp4", false, true},
                           {"tcp6", true, true},
                           {"udp4", false, false},
                           {"udp6", true, false}};

SuperPacketSpec Spec(const Kind& k, size_t payload = 4000,
                     uint16_t mss = 1000) {
  return {.ipv6 = k.ipv6, .tcp = k.tcp, .payload = payload, .mss = mss};
}

// ExpectSplit checks that `got` are sp's wire packets (each behind `vnet`
// zero bytes and `link` link header bytes): valid checksums, byte-exact
// with a software split, payload in order.
void ExpectSplit(const testing::SuperPacket& sp,
                 const std::vector<std::vector<uint8_t>>& got, size_t vnet,
                 uint16_t link = 0) {
  std::vector<PacketBufferPtr> want = testing::WireRun(sp, link);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "segment " << i);
    ASSERT_GE(got[i].size(), vnet + link);
    EXPECT_EQ(testing::VnetHead(got[i]), VnetBytes{})
        << "an all-zero virtio-net header";
    const std::span<const uint8_t> frame =
        std::span<const uint8_t>(got[i]).subspan(vnet);
    EXPECT_TRUE(testing::WireChecksumsValid(frame.subspan(link)));
    EXPECT_EQ(std::vector<uint8_t>(frame.begin(), frame.end()),
              testing::Bytes(want[i]));
  }
}

TEST(EndpointGsoWrite, SuperPacketGoesOutWholeWithItsVnetHeader) {
  for (const Kind& k : kKinds) {
    for (uint16_t link : {0, 14}) {
      SCOPED_TRACE(::testing::Message() << k.name << " link " << link);
      SocketPairs sp(1);
      auto ep = testing::MustCreateEndpoint(
          testing::VnetOptions(sp.ours(), testing::kAllTunOffloads, link > 0));
      const testing::SuperPacket s = testing::BuildSuperPacket(Spec(k));
      PacketBufferPtr p = testing::Outbound(s, link);
      const std::vector<uint8_t> frame = testing::Bytes(p);
      Result<size_t> n = ep->WritePackets(std::span(&p, 1));
      ASSERT_TRUE(n.has_value()) << n.error().ToString();
      EXPECT_EQ(*n, 1u);
      std::vector<std::vector<uint8_t>> got =
          testing::RecvAll(sp.peers[0].get());
      ASSERT_EQ(got.size(), 1u);
      const size_t l3 = k.ipv6 ? 40 : 20;
      const size_t l4 = k.tcp ? 20 : 8;
      const uint8_t type = k.tcp ? (k.ipv6 ? 4 : 1) : 5;
      // NEEDS_CSUM, the type, hdr_len, gso_size 1000 (0x3e8), csum_start,
      // csum_offset 16 (TCP) or 6 (UDP); little-endian.
      EXPECT_EQ(testing::VnetHead(got[0]),
                (VnetBytes{1, type, static_cast<uint8_t>(link + l3 + l4), 0,
                           0xe8, 0x03, static_cast<uint8_t>(link + l3), 0,
                           static_cast<uint8_t>(k.tcp ? 16 : 6), 0}));
      EXPECT_EQ(testing::VnetHead(got[0]),
                testing::VnetHeaderFor(s, true, link));
      EXPECT_EQ(std::vector<uint8_t>(got[0].begin() + 10, got[0].end()), frame);
      const FdCounters c = ep->Counters(0);
      EXPECT_EQ(c.tx_packets, 1u);
      EXPECT_EQ(c.tx_bytes, frame.size());
      EXPECT_EQ(c.tx_split, 0u);
    }
  }
}

TEST(EndpointGsoWrite, SuperPacketIsSplitOnAnFdWithoutVnetHeaders) {
  for (const Kind& k : kKinds) {
    for (uint16_t link : {0, 14}) {
      SCOPED_TRACE(::testing::Message() << k.name << " link " << link);
      SocketPairs sp(1);
      Options o;
      o.fds = sp.ours();
      o.ethernet_header = link > 0;
      o.address = MacAddress({0x02, 0, 0, 0, 0, 0x01});
      auto ep = testing::MustCreateEndpoint(std::move(o));
      const testing::SuperPacket s = testing::BuildSuperPacket(Spec(k, 4500));
      PacketBufferPtr p = testing::Outbound(s, link);
      const std::vector<uint8_t> before = testing::Bytes(p);
      ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
      EXPECT_EQ(testing::Bytes(p), before) << "the caller's bytes are kept";
      std::vector<std::vector<uint8_t>> got =
          testing::RecvAll(sp.peers[0].get());
      ASSERT_EQ(got.size(), 5u);
      // No virtio-net header: compare whole datagrams.
      std::vector<PacketBufferPtr> want = testing::WireRun(s, link);
      std::vector<uint8_t> payload;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], testing::Bytes(want[i])) << "segment " << i;
        const std::span<const uint8_t> net =
            std::span<const uint8_t>(got[i]).subspan(link);
        EXPECT_TRUE(testing::WireChecksumsValid(net)) << "segment " << i;
        const size_t hdr = (k.ipv6 ? 40 : 20) + (k.tcp ? 20 : 8);
        payload.insert(payload.end(), net.begin() + hdr, net.end());
      }
      EXPECT_EQ(payload, testing::Pattern(4500, 3));
      EXPECT_EQ(ep->Counters(0).tx_split, 1u);
      EXPECT_EQ(ep->Counters(0).tx_packets, 1u);
    }
  }
}

TEST(EndpointGsoWrite, TypeTheKernelDidNotTakeIsSplit) {
  // TSO without USO: TCP goes out whole, UDP is split behind zero headers.
  SocketPairs sp(1);
  auto ep =
      testing::MustCreateEndpoint(testing::VnetOptions(sp.ours(), kTsoOnly));
  const testing::SuperPacket udp =
      testing::BuildSuperPacket(Spec(kKinds[2], 3000));
  PacketBufferPtr p = testing::Outbound(udp);
  ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
  ExpectSplit(udp, testing::RecvAll(sp.peers[0].get()), 10);
  const testing::SuperPacket tcp =
      testing::BuildSuperPacket(Spec(kKinds[0], 3000));
  p = testing::Outbound(tcp);
  ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
  std::vector<std::vector<uint8_t>> got = testing::RecvAll(sp.peers[0].get());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0][1], header::virtio_net::kGsoTcpV4);
  EXPECT_EQ(ep->Counters(0).tx_split, 1u);
}

TEST(EndpointGsoWrite, GsoSwitchedOffSplitsEverything) {
  SocketPairs sp(1);
  Options o = testing::VnetOptions(sp.ours(), testing::kAllTunOffloads);
  o.offload.gso = false;
  auto ep = testing::MustCreateEndpoint(std::move(o));
  const testing::SuperPacket s =
      testing::BuildSuperPacket(Spec(kKinds[1], 3500));
  PacketBufferPtr p = testing::Outbound(s);
  ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
  ExpectSplit(s, testing::RecvAll(sp.peers[0].get()), 10);
}

TEST(EndpointGsoWrite, PartialChecksumIsCompletedWhereTheKernelDoesNot) {
  for (const Kind& k : kKinds) {
    SCOPED_TRACE(k.name);
    // One segment's worth: no GSO, only a partial checksum.
    const testing::SuperPacket s = testing::BuildSuperPacket(Spec(k, 700));
    struct Setup {
      bool vnet;
      bool checksum_offload;
      bool completes;  // The writer completes the checksum.
    };
    for (const Setup& u : {Setup{false, true, true}, Setup{true, false, true},
                           Setup{true, true, false}}) {
      SCOPED_TRACE(::testing::Message()
                   << "vnet " << u.vnet << " csum " << u.checksum_offload);
      SocketPairs sp(1);
      Options o = testing::VnetOptions(sp.ours(), testing::kAllTunOffloads);
      o.offload.vnet_header = u.vnet;
      if (!u.vnet) o.offload.kernel_offloads = 0;
      o.offload.checksum_offload = u.checksum_offload;
      auto ep = testing::MustCreateEndpoint(std::move(o));
      PacketBufferPtr p = testing::Outbound(s);
      const std::vector<uint8_t> before = testing::Bytes(p);
      ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
      EXPECT_EQ(testing::Bytes(p), before) << "the caller's bytes are kept";
      std::vector<uint8_t> got = testing::RecvOne(sp.peers[0].get());
      const size_t vnet = u.vnet ? 10 : 0;
      ASSERT_EQ(got.size(), vnet + s.bytes.size());
      const std::span<const uint8_t> net =
          std::span<const uint8_t>(got).subspan(vnet);
      if (u.completes) {
        EXPECT_TRUE(testing::WireChecksumsValid(net));
        if (u.vnet) {
          EXPECT_EQ(testing::VnetHead(got), VnetBytes{});
        }
      } else {
        // Left to the kernel: NEEDS_CSUM, the bytes as given.
        EXPECT_EQ(got[0], header::virtio_net::kFlagNeedsCsum);
        EXPECT_EQ(got[1], header::virtio_net::kGsoNone);
        EXPECT_EQ(std::vector<uint8_t>(net.begin(), net.end()), s.bytes);
      }
      // Apart from the checksum field, the bytes are the caller's.
      const size_t field = s.gso.l3_header_len + s.gso.csum_offset;
      for (size_t i = 0; i < net.size(); ++i) {
        if (i == field || i == field + 1) continue;
        ASSERT_EQ(net[i], s.bytes[i]) << "byte " << i;
      }
    }
  }
}

TEST(EndpointGsoWrite, RejectedGsoWriteFallsBackToSplitOnce) {
  // A small send buffer makes the kernel refuse the whole super-packet with
  // EMSGSIZE, while each wire packet fits.
  SocketPairs sp(1);
  const int sndbuf = testing::SetSmallSendBuffer(sp.ends[0].get());
  const uint16_t mss = static_cast<uint16_t>(sndbuf / 2 - 20);
  auto ep = testing::MustCreateEndpoint(
      testing::VnetOptions(sp.ours(), testing::kAllTunOffloads));
  const testing::SuperPacket s =
      testing::BuildSuperPacket(Spec(kKinds[0], 2u * mss, mss));
  ASSERT_GT(10u + s.bytes.size(), static_cast<size_t>(sndbuf - 32));
  ::testing::internal::CaptureStderr();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    PacketBufferPtr p = testing::Outbound(s);
    Result<size_t> n = ep->WritePackets(std::span(&p, 1));
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    EXPECT_EQ(*n, 1u);
    ExpectSplit(s, testing::RecvAll(sp.peers[0].get()), 10);
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  const FdCounters c = ep->Counters(0);
  EXPECT_EQ(c.tx_gso_fallbacks, 1u) << "the second write split at once";
  EXPECT_EQ(c.tx_split, 2u);
  EXPECT_EQ(c.tx_packets, 2u);
  EXPECT_EQ(c.tx_errors, 0u);
  EXPECT_NE(err.find("tcp_gso"), std::string::npos) << err;
  EXPECT_EQ(err.find("tcp_gso"), err.rfind("tcp_gso")) << "said once: " << err;
}

std::atomic<int> g_hook_calls{0};

int RejectWithEinval(std::span<const iovec>) {
  g_hook_calls.fetch_add(1);
  return EINVAL;
}

TEST(EndpointGsoWrite, InjectedEinvalTurnsEachTypesGsoOffOnItsOwn) {
  SocketPairs sp(1);
  auto ep = testing::MustCreateEndpoint(
      testing::VnetOptions(sp.ours(), testing::kAllTunOffloads));
  g_hook_calls = 0;
  SetTxOffloadWriteHookForTest(&RejectWithEinval);
  ::testing::internal::CaptureStderr();
  const testing::SuperPacket tcp =
      testing::BuildSuperPacket(Spec(kKinds[1], 3000));
  const testing::SuperPacket udp =
      testing::BuildSuperPacket(Spec(kKinds[2], 3000));
  // TCP, TCP, UDP, UDP in one call: the first of each type is rejected and
  // resent split; the second of each is split without trying.
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(testing::Outbound(tcp));
  pkts.push_back(testing::Outbound(tcp));
  pkts.push_back(testing::Outbound(udp));
  pkts.push_back(testing::Outbound(udp));
  Result<size_t> n = ep->WritePackets(pkts);
  SetTxOffloadWriteHookForTest(nullptr);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_EQ(*n, 4u);
  std::vector<std::vector<uint8_t>> got = testing::RecvAll(sp.peers[0].get());
  ASSERT_EQ(got.size(), 12u);
  using Frames = std::vector<std::vector<uint8_t>>;
  ExpectSplit(tcp, Frames(got.begin(), got.begin() + 3), 10);
  ExpectSplit(tcp, Frames(got.begin() + 3, got.begin() + 6), 10);
  ExpectSplit(udp, Frames(got.begin() + 6, got.begin() + 9), 10);
  ExpectSplit(udp, Frames(got.begin() + 9, got.end()), 10);
  EXPECT_EQ(g_hook_calls.load(), 2);
  const FdCounters c = ep->Counters(0);
  EXPECT_EQ(c.tx_gso_fallbacks, 2u);
  EXPECT_EQ(c.tx_split, 4u);
  EXPECT_NE(err.find("tcp_gso"), std::string::npos) << err;
  EXPECT_NE(err.find("udp_gso"), std::string::npos) << err;
}

}  // namespace
}  // namespace fdlink::fdbased
