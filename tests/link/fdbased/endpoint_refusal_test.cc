// What WritePackets refuses: writes after Close, null packets, packets
// without their link header (AddHeader without headroom) and packets larger
// than MTU + link header without GSO. Each is counted and nothing goes out.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/link/fdbased/injectable.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using namespace std::chrono_literals;
using testing::SocketPairs;

const MacAddress kOurs({0x02, 0, 0, 0, 0, 0x01});
const MacAddress kPeer({0x02, 0, 0, 0, 0, 0x02});

std::unique_ptr<Endpoint> Make(const SocketPairs& sp, bool eth,
                               uint32_t gso = 0) {
  Options o;
  o.fds = sp.ours();
  o.ethernet_header = eth;
  o.address = kOurs;
  o.gso_max_size = gso;
  o.offload.vnet_header = gso > 0;  // Host GSO writes a virtio-net header.
  return testing::MustCreateEndpoint(std::move(o));
}

// Ipv4Packet builds an outbound IPv4/UDP packet of `ip_size` bytes with the
// link header added, as a stack would.
PacketBufferPtr Ipv4Packet(Endpoint& ep, size_t ip_size, uint16_t sport = 1) {
  std::vector<uint8_t> ip =
      testing::Ipv4Udp("198.18.0.1", "198.18.0.2", sport, 7, ip_size - 28);
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = ep.MaxHeaderLength(), .payload = ip});
  p->set_network_protocol(kIPv4ProtocolNumber);
  p->set_egress_route(
      {.local_link_address = MacAddress(), .remote_link_address = kPeer});
  EXPECT_TRUE(ep.AddHeader(*p).has_value());
  return p;
}

bool NothingArrives(const SocketPairs& sp) {
  for (const UniqueFd& peer : sp.peers) {
    if (!testing::RecvOne(peer.get(), 20ms).empty()) return false;
  }
  return true;
}

TEST(EndpointRefusal, WriteAfterCloseIsClosedAndWritesNothing) {
  for (bool eth : {false, true}) {
    SCOPED_TRACE(eth ? "eth=1" : "eth=0");
    SocketPairs sp(1);
    auto ep = Make(sp, eth);
    PacketBufferPtr p = Ipv4Packet(*ep, 100);
    ep->Close();
    Result<size_t> n = ep->WritePackets(std::span(&p, 1));
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error().code, Errc::kClosed);
    EXPECT_EQ(ep->Counters(0).tx_packets, 0u);
    EXPECT_TRUE(NothingArrives(sp));
  }
}

TEST(EndpointRefusal, InjectableWriteAfterCloseIsClosed) {
  SocketPairs sp(1);
  auto ep =
      std::move(InjectableEndpoint::Create(sp.ends[0].get(), 1500, 0)).value();
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = 0,
       .payload = testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1, 2, 10)});
  ep->Close();
  Result<size_t> n = ep->WritePackets(std::span(&p, 1));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kClosed);
  EXPECT_TRUE(NothingArrives(sp));
}

TEST(EndpointRefusal, NullPacketIsAnErrorNotACrash) {
  SocketPairs sp(1);
  auto ep = Make(sp, false);
  std::vector<PacketBufferPtr> only_null(1);
  Result<size_t> n = ep->WritePackets(only_null);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kInvalidArgument);
  EXPECT_NE(std::string(n.error().what).find("null packet"), std::string::npos);

  // Packets before the null one go out; the null one and those after it
  // do not.
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(Ipv4Packet(*ep, 100));
  pkts.emplace_back();
  pkts.push_back(Ipv4Packet(*ep, 100));
  n = ep->WritePackets(pkts);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(ep->Counters(0).tx_packets, 1u);
  EXPECT_EQ(ep->Counters(0).tx_invalid, 2u);
  EXPECT_EQ(testing::RecvOne(sp.peers[0].get()).size(), 100u);
  EXPECT_TRUE(NothingArrives(sp));
}

TEST(EndpointRefusal, AddHeaderWithoutHeadroomFailsAndIsNotWritten) {
  SocketPairs sp(1);
  auto ep = Make(sp, true);
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = 10,
       .payload = testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1, 2, 10)});
  p->set_network_protocol(kIPv4ProtocolNumber);
  Result<void> added = ep->AddHeader(*p);
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code, Errc::kInvalidArgument);
  EXPECT_NE(std::string(added.error().what).find("headroom"),
            std::string::npos);
  EXPECT_EQ(p->LinkHeaderSize(), 0u);
  EXPECT_EQ(p->AvailableHeaderBytes(), 10u);  // Unchanged.

  Result<size_t> n = ep->WritePackets(std::span(&p, 1));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kInvalidArgument);
  EXPECT_NE(std::string(n.error().what).find("link header"), std::string::npos);
  EXPECT_EQ(ep->Counters(0).tx_invalid, 1u);
  EXPECT_TRUE(NothingArrives(sp));
}

TEST(EndpointRefusal, OversizedPacketIsRefusedAndCounted) {
  for (bool eth : {false, true}) {
    SCOPED_TRACE(eth ? "eth=1" : "eth=0");
    SocketPairs sp(1);
    auto ep = Make(sp, eth);
    ep->SetMTU(1280);
    PacketBufferPtr fits = Ipv4Packet(*ep, 1280);
    ASSERT_EQ(*ep->WritePackets(std::span(&fits, 1)), 1u);
    EXPECT_EQ(testing::RecvOne(sp.peers[0].get()).size(),
              1280u + ep->MaxHeaderLength());

    PacketBufferPtr big = Ipv4Packet(*ep, 1281);
    Result<size_t> n = ep->WritePackets(std::span(&big, 1));
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error().code, Errc::kMessageTooLong);
    EXPECT_EQ(ep->Counters(0).tx_oversized, 1u);
    EXPECT_EQ(ep->TotalCounters().tx_oversized, 1u);
    EXPECT_EQ(ep->Counters(0).tx_packets, 1u);
    EXPECT_TRUE(NothingArrives(sp));
  }
}

TEST(EndpointRefusal, OversizedWithGsoMetadataGoesOut) {
  SocketPairs sp(1);
  auto ep = Make(sp, false, 32768);
  ASSERT_EQ(ep->GSOMaxSize(), 32768u);
  PacketBufferPtr big = Ipv4Packet(*ep, 4000);
  // Without GSO options it is still refused.
  ASSERT_FALSE(ep->WritePackets(std::span(&big, 1)).has_value());
  EXPECT_EQ(ep->Counters(0).tx_oversized, 1u);
  big->set_gso_options({.type = GSOType::kTCPv4,
                        .needs_csum = true,
                        .csum_offset = 16,
                        .mss = 1400,
                        .l3_header_len = 20});
  ASSERT_EQ(*ep->WritePackets(std::span(&big, 1)), 1u);
  // The virtio-net header comes first.
  EXPECT_EQ(testing::RecvOne(sp.peers[0].get()).size(), 10u + 4000u);
}

TEST(EndpointRefusal, UnhashedPacketsSpreadByFlow) {
  // Replies without a hash (every responder reply) used to all go to fd 0.
  // Now each flow picks an fd by its flow hash, and stays on it.
  constexpr size_t kFds = 4;
  SocketPairs sp(kFds);
  auto ep = Make(sp, true);
  std::set<size_t> used;
  for (uint16_t flow = 0; flow < 32; ++flow) {
    std::set<size_t> fds_of_flow;
    for (int copy = 0; copy < 3; ++copy) {
      PacketBufferPtr p =
          Ipv4Packet(*ep, 60, static_cast<uint16_t>(1000 + flow));
      ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
      for (size_t fd = 0; fd < kFds; ++fd) {
        if (!testing::RecvOne(sp.peers[fd].get(), 0ms).empty()) {
          fds_of_flow.insert(fd);
        }
      }
    }
    EXPECT_EQ(fds_of_flow.size(), 1u) << "flow " << flow;
    used.insert(fds_of_flow.begin(), fds_of_flow.end());
  }
  EXPECT_GE(used.size(), 3u);
}

}  // namespace
}  // namespace fdlink::fdbased
