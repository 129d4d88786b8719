// The write path of fdbased::Endpoint: bytes on the wire, fd choice by hash,
// link headers, batching limits and would-block; in every receive mode that
// applies to the fds (testing/dispatch_modes.h; io_uring also changes how
// non-socket fds are written).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/sys/syscalls.h"
#include "testing/dispatch_modes.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using testing::SocketPairs;

const MacAddress kOurs({0x02, 0x03, 0x03, 0x04, 0x05, 0x06});
const MacAddress kPeer({0x02, 0x03, 0x03, 0x04, 0x05, 0x07});
const MacAddress kBridged({0x02, 0x99, 0x99, 0x99, 0x99, 0x99});

// EndpointWrite runs on socketpairs, once per mode that applies to them.
// Make builds the endpoint under test in the suite's mode (and checks the
// mode is in effect); `vnet` gives it virtio-net headers with every TUN
// offload, so that the plain write path is checked through the offload
// writer too (ordinary packets go out behind zero headers).
class EndpointWrite : public ::testing::TestWithParam<PacketDispatchMode> {
 protected:
  std::unique_ptr<Endpoint> Make(const SocketPairs& sp, bool eth,
                                 uint32_t gso = 0, int max_hdr_bytes = 0,
                                 bool vnet = false) {
    Options o;
    o.fds = sp.ours();
    o.ethernet_header = eth;
    o.address = kOurs;
    o.gso_max_size = gso;
    o.offload.vnet_header = gso > 0 || vnet;  // Host GSO writes one.
    // A packet socket's kernel side takes TCP super-packets.
    if (gso > 0) o.offload.kernel_offloads = kPacketSocketOffloads;
    if (vnet) o.offload.kernel_offloads = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
    o.max_syscall_header_bytes = max_hdr_bytes;
    o.dispatch_mode = GetParam();
    std::unique_ptr<Endpoint> ep = testing::MustCreateEndpoint(std::move(o));
    EXPECT_TRUE(testing::ModeInEffect(*ep, GetParam()));
    return ep;
  }
};

// (A pipe is not a socket: the modes of non-socket fds.)
class EndpointWriteNonSocket
    : public ::testing::TestWithParam<PacketDispatchMode> {};

// OutboundPacket builds a packet the way a stack would: a network header
// pushed into headroom in front of `payload`, then the link header.
PacketBufferPtr OutboundPacket(Endpoint& ep, size_t payload, uint32_t hash,
                               MacAddress local = MacAddress()) {
  std::vector<uint8_t> data = testing::Pattern(payload, 3);
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = ep.MaxHeaderLength() + 40u, .payload = data});
  std::span<uint8_t> net = p->PushNetworkHeader(40);
  for (size_t i = 0; i < net.size(); ++i)
    net[i] = static_cast<uint8_t>(0x60 + i);
  p->set_network_protocol(kIPv6ProtocolNumber);
  p->set_hash(hash);
  p->set_egress_route(
      {.local_link_address = local, .remote_link_address = kPeer});
  EXPECT_TRUE(ep.AddHeader(*p).has_value());
  return p;
}

TEST_P(EndpointWrite, BytesOnTheWireAreExact) {
  for (bool eth : {true, false}) {
    for (bool vnet : {false, true}) {
      for (size_t payload : {0, 100, 1000}) {
        SCOPED_TRACE(::testing::Message() << "eth=" << eth << " vnet=" << vnet
                                          << " payload=" << payload);
        SocketPairs sp(1);
        auto ep = Make(sp, eth, 0, 0, vnet);
        PacketBufferPtr p = OutboundPacket(*ep, payload, 0);
        const std::vector<uint8_t> want = p->ToBytes();
        Result<size_t> n = ep->WritePackets(std::span(&p, 1));
        ASSERT_TRUE(n.has_value());
        EXPECT_EQ(*n, 1u);
        std::vector<uint8_t> got = testing::RecvOne(sp.peers[0].get());
        if (vnet) {
          // An ordinary packet: an all-zero virtio-net header first.
          ASSERT_GE(got.size(), 10u);
          EXPECT_TRUE(std::all_of(got.begin(), got.begin() + 10,
                                  [](uint8_t b) { return b == 0; }));
          got.erase(got.begin(), got.begin() + 10);
        }
        ASSERT_EQ(got, want);
        size_t off = 0;
        if (eth) {
          header::Ethernet e{std::span<const uint8_t>(got)};
          EXPECT_EQ(MacAddress(e.dst()), kPeer);
          EXPECT_EQ(MacAddress(e.src()), kOurs);
          EXPECT_EQ(e.ether_type(), kIPv6ProtocolNumber);
          off = 14;
        }
        EXPECT_EQ(got.size(), off + 40 + payload);
        EXPECT_EQ(got[off], 0x60);
        EXPECT_EQ(ep->Counters(0).tx_packets, 1u);
        EXPECT_EQ(ep->Counters(0).tx_bytes, got.size());
      }
    }
  }
}

TEST_P(EndpointWrite, HostGsoPrependsVirtioHeader) {
  // gVisor's TestWritePacket GSO half: NEEDS_CSUM, csum_start = link + L3,
  // gso_type only when the payload exceeds the MSS.
  for (bool eth : {true, false}) {
    for (size_t payload : {100, 1000}) {
      SCOPED_TRACE(::testing::Message()
                   << "eth=" << eth << " payload=" << payload);
      SocketPairs sp(1);
      auto ep = Make(sp, eth, 32768);
      ASSERT_EQ(ep->SupportedGSO(), GSOKind::kHostGSO);
      PacketBufferPtr p = OutboundPacket(*ep, payload, 0);
      p->set_gso_options({.type = GSOType::kTCPv6,
                          .needs_csum = true,
                          .csum_offset = 16,
                          .mss = 500,
                          .l3_header_len = 40});
      const std::vector<uint8_t> frame = p->ToBytes();
      ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
      std::vector<uint8_t> got = testing::RecvOne(sp.peers[0].get());
      ASSERT_EQ(got.size(), 10 + frame.size());
      header::VirtioNetHeader v{std::span<const uint8_t>(got).first(10)};
      EXPECT_EQ(v.flags(), header::virtio_net::kFlagNeedsCsum);
      EXPECT_EQ(v.csum_start(), (eth ? 14 : 0) + 40);
      EXPECT_EQ(v.csum_offset(), 16);
      if (payload > 500) {
        EXPECT_EQ(v.gso_type(), header::virtio_net::kGsoTcpV6);
        EXPECT_EQ(v.gso_size(), 500);
      } else {
        EXPECT_EQ(v.gso_type(), header::virtio_net::kGsoNone);
      }
      EXPECT_TRUE(std::equal(frame.begin(), frame.end(), got.begin() + 10));
    }
  }
}

TEST_P(EndpointWrite, HashPicksTheFd) {
  for (uint32_t hash : {0u, 1u, 2u, 3u}) {
    SCOPED_TRACE(::testing::Message() << "hash=" << hash);
    SocketPairs sp(2);
    auto ep = Make(sp, true);
    PacketBufferPtr p = OutboundPacket(*ep, 100, hash);
    ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
    const size_t want = hash % 2;
    EXPECT_FALSE(testing::RecvOne(sp.peers[want].get()).empty());
    EXPECT_TRUE(testing::RecvOne(sp.peers[1 - want].get(),
                                 std::chrono::milliseconds(20))
                    .empty());
  }
}

TEST_P(EndpointWrite, BridgedSourceAddressIsPreserved) {
  SocketPairs sp(1);
  auto ep = Make(sp, true);
  PacketBufferPtr p = OutboundPacket(*ep, 10, 0, kBridged);
  ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
  std::vector<uint8_t> got = testing::RecvOne(sp.peers[0].get());
  header::Ethernet e{std::span<const uint8_t>(got)};
  EXPECT_EQ(MacAddress(e.src()), kBridged);
}

TEST_P(EndpointWrite, ManyPacketsGroupedAndInOrder) {
  // 200 packets alternating runs over 2 fds: each fd receives its packets
  // in order, in several sendmmsg batches of at most 47.
  for (auto [cap, vnet] : {std::pair{0, false}, std::pair{300, false},
                           std::pair{0, true}, std::pair{300, true}}) {
    SCOPED_TRACE(::testing::Message() << "cap=" << cap << " vnet=" << vnet);
    SocketPairs sp(2);
    auto ep = Make(sp, false, 0, cap, vnet);
    std::vector<PacketBufferPtr> pkts;
    for (uint32_t i = 0; i < 200; ++i) {
      PacketBufferPtr p = OutboundPacket(*ep, 20, (i / 10) % 2);
      p->NetworkHeader()[1] = static_cast<uint8_t>(i);
      pkts.push_back(std::move(p));
    }
    Result<size_t> n = ep->WritePackets(pkts);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, 200u);
    for (size_t fd = 0; fd < 2; ++fd) {
      for (uint32_t i = 0; i < 200; ++i) {
        if ((i / 10) % 2 != fd) continue;
        std::vector<uint8_t> got = testing::RecvOne(sp.peers[fd].get());
        const size_t off = vnet ? 10 : 0;
        ASSERT_EQ(got.size(), off + 60u);
        EXPECT_EQ(got[off + 1], static_cast<uint8_t>(i)) << "cap " << cap;
      }
    }
  }
}

TEST_P(EndpointWrite, WouldBlockReturnsCountWritten) {
  for (bool vnet : {false, true}) {
    SCOPED_TRACE(::testing::Message() << "vnet=" << vnet);
    SocketPairs sp(1, SOCK_DGRAM);
    ASSERT_TRUE(sys::SetSocketBuffers(sp.ends[0].get(), 4096).has_value());
    auto ep = Make(sp, false, 0, 0, vnet);
    std::vector<PacketBufferPtr> pkts;
    for (int i = 0; i < 2000; ++i) {
      pkts.push_back(OutboundPacket(*ep, 1000, 0));
    }
    Result<size_t> n = ep->WritePackets(pkts);
    ASSERT_TRUE(n.has_value());
    EXPECT_GT(*n, 0u);
    EXPECT_LT(*n, 2000u);
    EXPECT_EQ(ep->Counters(0).tx_packets, *n);
    EXPECT_GE(ep->Counters(0).tx_would_block, 1u);
    EXPECT_EQ(ep->Counters(0).tx_errors, 0u);
  }
}

TEST_P(EndpointWriteNonSocket, NonSocketUsesWritev) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  Options o;
  o.fds = {w.get()};
  o.dispatch_mode = GetParam();
  auto ep = testing::MustCreateEndpoint(std::move(o));
  EXPECT_TRUE(testing::ModeInEffect(*ep, GetParam()));
  PacketBufferPtr a = OutboundPacket(*ep, 10, 0);
  PacketBufferPtr b = OutboundPacket(*ep, 20, 0);
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(std::move(a));
  pkts.push_back(std::move(b));
  ASSERT_EQ(*ep->WritePackets(pkts), 2u);
  std::vector<uint8_t> buf(1000);
  Result<size_t> n = sys::Read(r.get(), buf);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 50u + 60u);
}

// EndpointWriteModeTest runs on a non-socket fd in the readv mode (one
// writev per frame) and the io_uring mode (one chain of io_uring writes).
class EndpointWriteModeTest
    : public ::testing::TestWithParam<PacketDispatchMode> {};

// Counter8 is an 8-byte packet holding `v` (what an eventfd takes).
PacketBufferPtr Counter8(uint64_t v) {
  std::array<uint8_t, 8> b;
  std::memcpy(b.data(), &v, sizeof(v));
  return PacketBuffer::FromView(View::CopyOf(b));
}

TEST_P(EndpointWriteModeTest, NonSocketWouldBlockReturnsCountWritten) {
  // An eventfd counter near its limit: the third packet would overflow it
  // (EAGAIN); the fourth would fit and must not be written after it.
  Result<UniqueFd> efd = sys::EventFd();
  ASSERT_TRUE(efd);
  Options o;
  o.fds = {efd->get()};
  o.dispatch_mode = GetParam();
  auto ep = testing::MustCreateEndpoint(std::move(o));
  std::vector<PacketBufferPtr> pkts;
  for (uint64_t v : {uint64_t{1}, uint64_t{0xfffffffffffffff0u}, uint64_t{0x20},
                     uint64_t{1}}) {
    pkts.push_back(Counter8(v));
  }
  Result<size_t> n = ep->WritePackets(pkts);
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(ep->Counters(0).tx_packets, 2u);
  EXPECT_EQ(ep->Counters(0).tx_bytes, 16u);
  EXPECT_EQ(ep->Counters(0).tx_would_block, 1u);
  EXPECT_EQ(ep->Counters(0).tx_errors, 0u);
  uint64_t counter = 0;
  ASSERT_EQ(::read(efd->get(), &counter, 8), 8);
  EXPECT_EQ(counter, 0xfffffffffffffff1u);
  // Drained, the rest goes in once.
  n = ep->WritePackets(std::span(pkts).subspan(2));
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  EXPECT_EQ(*n, 2u);
  ASSERT_EQ(::read(efd->get(), &counter, 8), 8);
  EXPECT_EQ(counter, 0x21u);
  const bool uring = GetParam() == PacketDispatchMode::kIoUring;
  EXPECT_EQ(ep->Counters(0).tx_uring_batches, uring ? 2u : 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, EndpointWriteModeTest,
    ::testing::Values(PacketDispatchMode::kReadv, PacketDispatchMode::kIoUring),
    [](const auto& info) {
      return std::string(info.param == PacketDispatchMode::kIoUring ? "IoUring"
                                                                    : "Readv");
    });

TEST_P(EndpointWrite, HardErrorWithNothingWrittenIsAnError) {
  SocketPairs sp(1);
  auto ep = Make(sp, false);
  sp.peers[0].reset();
  PacketBufferPtr p = OutboundPacket(*ep, 10, 0);
  Result<size_t> n = ep->WritePackets(std::span(&p, 1));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kConnectionReset);
  EXPECT_EQ(ep->Counters(0).tx_errors, 1u);
}

TEST_P(EndpointWrite, ParseHeaderConsumesEthernet) {
  SocketPairs sp(1);
  auto ep = Make(sp, true);
  std::vector<uint8_t> frame = testing::EthernetFrame(
      kOurs, kPeer, kIPv4ProtocolNumber,
      testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1, 2, 10));
  PacketBufferPtr p = PacketBuffer::FromView(View::CopyOf(frame));
  ASSERT_TRUE(ep->ParseHeader(*p));
  EXPECT_EQ(p->network_protocol(), kIPv4ProtocolNumber);
  EXPECT_EQ(p->LinkHeader().size(), 14u);
  PacketBufferPtr short_pkt =
      PacketBuffer::FromView(View::CopyOf(std::span(frame).first(10)));
  EXPECT_FALSE(ep->ParseHeader(*short_pkt));
}

INSTANTIATE_TEST_SUITE_P(Modes, EndpointWrite,
                         testing::ModesOf(testing::FdKind::kSocketpair),
                         testing::ModeParamName);
INSTANTIATE_TEST_SUITE_P(Modes, EndpointWriteNonSocket,
                         testing::ModesOf(testing::FdKind::kNonSocket),
                         testing::ModeParamName);

}  // namespace
}  // namespace fdlink::fdbased
