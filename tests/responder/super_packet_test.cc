// The responder takes super-packets: a UDP super-packet to an echo port is
// answered with a UDP super-packet (same segment size, addresses and ports
// swapped, payload shared), whole or multi-view; on an fd without
// virtio-net headers the endpoint splits the answer into wire datagrams; a
// TCP super-packet is dropped as an unknown protocol.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/offload/gso_split.h"
#include "fdlink/responder/responder.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"
#include "testing/super_packets.h"
#include "testing/tx_offload.h"

namespace fdlink::responder {
namespace {

using fdlink::testing::SocketPairs;
using fdlink::testing::SuperPacketSpec;

// The super-packet builders send 198.18.0.1 -> 198.19.0.2 and
// 2001:db8::1 -> 2001:db8::2: the responder is the destination.
ResponderConfig Config() {
  ResponderConfig c;
  c.ipv4 = {header::Ipv4Address::Parse("198.19.0.2").value()};
  c.ipv6 = {header::Ipv6Address::Parse("2001:db8::2").value()};
  return c;
}

SuperPacketSpec UdpSpec(bool ipv6) {
  return {.ipv6 = ipv6,
          .tcp = false,
          .payload = 5000,
          .mss = 1200,
          .sport = 4000,
          .dport = 7};
}

// ExpectEchoOf checks that `reply` (network bytes of a super-packet, or of
// one datagram of it when `offset`/`size` pick its part of the payload)
// answers `req`: addresses and ports swapped, payload bytes the request's.
void ExpectEchoOf(const fdlink::testing::SuperPacket& req,
                  std::span<const uint8_t> reply, size_t offset, size_t size) {
  const bool v6 = (req.bytes[0] >> 4) == 6;
  const size_t l3 = v6 ? 40 : 20;
  ASSERT_EQ(reply.size(), l3 + 8 + size);
  if (v6) {
    const header::Ipv6 q{std::span<const uint8_t>(req.bytes)};
    const header::Ipv6 r{reply};
    EXPECT_EQ(r.src(), q.dst());
    EXPECT_EQ(r.dst(), q.src());
    EXPECT_EQ(r.payload_length(), 8 + size);
  } else {
    const header::Ipv4 q{std::span<const uint8_t>(req.bytes)};
    const header::Ipv4 r{reply};
    EXPECT_EQ(r.src(), q.dst());
    EXPECT_EQ(r.dst(), q.src());
    EXPECT_EQ(r.total_length(), reply.size());
    EXPECT_TRUE(r.IsChecksumValid());
  }
  const header::Udp q{std::span<const uint8_t>(req.bytes).subspan(l3)};
  const header::Udp r{reply.subspan(l3)};
  EXPECT_EQ(r.src_port(), q.dst_port());
  EXPECT_EQ(r.dst_port(), q.src_port());
  EXPECT_EQ(r.length(), 8 + size);
  const auto want =
      std::span<const uint8_t>(req.bytes).subspan(l3 + 8 + offset, size);
  EXPECT_TRUE(std::equal(want.begin(), want.end(), reply.begin() + l3 + 8));
}

// ExpectSuperEcho checks one read from a virtio-net fd: a UDP_L4 super-packet
// answering `req`, whose datagrams, split, carry valid checksums.
void ExpectSuperEcho(const fdlink::testing::SuperPacket& req,
                     const std::vector<uint8_t>& got) {
  ASSERT_GT(got.size(), 10u);
  const uint8_t l3 = (req.bytes[0] >> 4) == 6 ? 40 : 20;
  EXPECT_EQ(fdlink::testing::VnetHead(got),
            (fdlink::testing::VnetBytes{1, 5, static_cast<uint8_t>(l3 + 8), 0,
                                        0xb0, 0x04, l3, 0, 6, 0}));
  const std::span<const uint8_t> net =
      std::span<const uint8_t>(got).subspan(10);
  ExpectEchoOf(req, net, 0, req.bytes.size() - l3 - 8);
  PacketBufferPtr p = fdlink::testing::FromFrame(got);
  ASSERT_TRUE(p);
  std::vector<PacketBufferPtr> segs;
  ASSERT_TRUE(offload::SplitSuperPacket(*p, 0, segs).has_value());
  EXPECT_EQ(segs.size(), 5u);
  for (const PacketBufferPtr& s : segs) {
    EXPECT_TRUE(fdlink::testing::WireChecksumsValid(s->ToBytes()));
  }
}

TEST(ResponderSuperPacket, UdpSuperPacketIsEchoedAsOneOverALiveEndpoint) {
  for (bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "ipv6" : "ipv4");
    SocketPairs sp(1);
    auto ep = fdlink::testing::MustCreateEndpoint(fdlink::testing::VnetOptions(
        sp.ours(), fdlink::testing::kAllTunOffloads));
    Responder r(ep.get(), Config());
    ASSERT_TRUE(r.TakesSuperPackets());
    ep->Attach(&r);
    const fdlink::testing::SuperPacket req =
        fdlink::testing::BuildSuperPacket(UdpSpec(v6));
    const std::array<uint8_t, 10> vnet = fdlink::testing::VnetHeaderFor(req);
    fdlink::testing::Send(sp.peers[0].get(),
                          fdlink::testing::Concat(vnet, req.bytes));
    const std::vector<uint8_t> got =
        fdlink::testing::RecvOne(sp.peers[0].get());
    ep->Attach(nullptr);
    ExpectSuperEcho(req, got);
    // Counted as the five datagrams it stands for.
    EXPECT_EQ(r.Counters().udp_echoes, 5u);
    EXPECT_EQ(r.Counters().received, 5u);
    EXPECT_TRUE(fdlink::testing::RecvOne(sp.peers[0].get(),
                                         std::chrono::milliseconds(50))
                    .empty());
  }
}

// MultiView rebuilds sp's packet as a GRO-built super-packet would be: the
// headers in one view, the payload in several others (shared from `store`).
PacketBufferPtr MultiView(const fdlink::testing::SuperPacket& sp,
                          const PacketBufferPtr& store) {
  const size_t hdr = sp.gso.l3_header_len + sp.gso.l4_header_len;
  PacketBufferPtr p = PacketBuffer::Create(
      {.payload = std::span<const uint8_t>(sp.bytes).first(hdr)});
  for (size_t off = hdr; off < sp.bytes.size(); off += 1000) {
    EXPECT_TRUE(p->AppendRangeOf(
        *store, off, std::min<size_t>(1000, sp.bytes.size() - off)));
  }
  p->set_network_protocol((sp.bytes[0] >> 4) == 6 ? kIPv6ProtocolNumber
                                                  : kIPv4ProtocolNumber);
  p->set_gso_options(sp.gso);
  return p;
}

TEST(ResponderSuperPacket, MultiViewSuperPacketIsEchoedWithoutCopying) {
  SocketPairs sp(1);
  auto ep = fdlink::testing::MustCreateEndpoint(fdlink::testing::VnetOptions(
      sp.ours(), fdlink::testing::kAllTunOffloads));
  Responder r(ep.get(), Config());
  const fdlink::testing::SuperPacket req =
      fdlink::testing::BuildSuperPacket(UdpSpec(false));
  PacketBufferPtr store = PacketBuffer::Create({.payload = req.bytes});
  PacketBufferPtr p = MultiView(req, store);
  ASSERT_TRUE(p->NetworkPacket().empty()) << "the test needs several views";
  r.DeliverNetworkPacket(kIPv4ProtocolNumber, std::move(p));
  ExpectSuperEcho(req, fdlink::testing::RecvOne(sp.peers[0].get()));
  EXPECT_EQ(r.Counters().udp_echoes, 5u);
}

TEST(ResponderSuperPacket, WithoutVnetHeadersTheEchoIsSplitIntoDatagrams) {
  SocketPairs sp(1);
  fdbased::Options o;
  o.fds = sp.ours();
  auto ep = fdlink::testing::MustCreateEndpoint(std::move(o));
  Responder r(ep.get(), Config());
  const fdlink::testing::SuperPacket req =
      fdlink::testing::BuildSuperPacket(UdpSpec(true));
  PacketBufferPtr p = fdlink::testing::Outbound(req);
  r.DeliverNetworkPacket(kIPv6ProtocolNumber, std::move(p));
  std::vector<std::vector<uint8_t>> got =
      fdlink::testing::RecvAll(sp.peers[0].get());
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "datagram " << i);
    EXPECT_TRUE(fdlink::testing::WireChecksumsValid(got[i]));
    ExpectEchoOf(req, got[i], i * 1200, i < 4 ? 1200 : 200);
  }
  EXPECT_EQ(ep->Counters(0).tx_split, 1u);
}

TEST(ResponderSuperPacket, TcpSuperPacketIsDroppedAsAnUnknownProtocol) {
  SocketPairs sp(1);
  auto ep = fdlink::testing::MustCreateEndpoint(fdlink::testing::VnetOptions(
      sp.ours(), fdlink::testing::kAllTunOffloads));
  Responder r(ep.get(), Config());
  const fdlink::testing::SuperPacket req = fdlink::testing::BuildSuperPacket(
      {.payload = 5000, .mss = 1200, .dport = 7});
  r.DeliverNetworkPacket(kIPv4ProtocolNumber, fdlink::testing::Outbound(req));
  EXPECT_EQ(r.Counters().drops_of(ResponderDrop::kUnknownProtocol), 5u);
  EXPECT_TRUE(
      fdlink::testing::RecvOne(sp.peers[0].get(), std::chrono::milliseconds(50))
          .empty());
}

}  // namespace
}  // namespace fdlink::responder
