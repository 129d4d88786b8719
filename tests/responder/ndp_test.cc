// Neighbour solicitation -> advertisement, checked field by field against
// what RFC 4861 (and so the Linux kernel) requires.
#include <gtest/gtest.h>

#include "responder_test_util.h"

namespace fdlink::responder::testing {
namespace {

// kSolicitedNodeOfOurs is ff02::1:ff00:1, the solicited-node group of
// kOurV6 (2001:db8::1), and kSolicitedNodeMac its Ethernet group.
constexpr char kSolicitedNodeOfOurs[] = "ff02::1:ff00:1";
constexpr MacAddress kSolicitedNodeMac({0x33, 0x33, 0xff, 0x00, 0x00, 0x01});
constexpr MacAddress kAllNodesMac({0x33, 0x33, 0, 0, 0, 1});

// ExpectAdvertisement checks an NA message for kOurV6 sent to `dst`.
void ExpectAdvertisement(const std::vector<uint8_t>& msg, std::string_view dst,
                         bool solicited, bool with_tlla) {
  Result<header::NdpNeighbor> na =
      header::NdpNeighbor::Parse(std::span<const uint8_t>(msg));
  ASSERT_TRUE(na.has_value());
  EXPECT_EQ(na->type(), header::icmpv6_type::kNeighborAdvertisement);
  EXPECT_EQ(na->code(), 0);
  EXPECT_TRUE(header::VerifyIcmpv6Checksum(V6(kOurV6), V6(dst), msg));
  EXPECT_FALSE(na->router());
  EXPECT_EQ(na->solicited(), solicited);
  EXPECT_TRUE(na->override_flag());
  EXPECT_EQ(na->rest_of_header() & 0x1fffffffu, 0u) << "reserved bits set";
  EXPECT_EQ(na->target(), V6(kOurV6));
  auto tlla = na->options().LinkLayerAddress(
      header::ndp_option::kTargetLinkLayerAddress);
  if (with_tlla) {
    ASSERT_TRUE(tlla.has_value());
    EXPECT_EQ(MacAddress(*tlla), kOurMac);
    EXPECT_EQ(msg.size(), header::kNdpNeighborMinimumSize +
                              header::kNdpLinkLayerAddressOptionSize);
  } else {
    EXPECT_FALSE(tlla.has_value());
    EXPECT_EQ(msg.size(), header::kNdpNeighborMinimumSize);
  }
}

TEST(NdpResponder, UnicastSolicitationGetsSolicitedAdvertisement) {
  ResponderHarness h(LinkMode::kEthernet);
  h.SendIp(NeighborSolicitation(kPeerV6, kOurV6, kOurV6));
  std::vector<uint8_t> msg =
      CheckIpv6Reply(h.RecvIp(kIPv6ProtocolNumber, kPeerMac), kOurV6, kPeerV6,
                     header::ip_proto::kIcmpv6, 255);
  ExpectAdvertisement(msg, kPeerV6, /*solicited=*/true, /*with_tlla=*/true);
  EXPECT_EQ(h.WaitSettled(1).neighbor_advertisements, 1u);
}

TEST(NdpResponder, SolicitedNodeMulticastSolicitationIsAnswered) {
  ResponderHarness h(LinkMode::kEthernet);
  h.SendIp(NeighborSolicitation(kPeerV6, kSolicitedNodeOfOurs, kOurV6),
           kSolicitedNodeMac);
  std::vector<uint8_t> msg =
      CheckIpv6Reply(h.RecvIp(kIPv6ProtocolNumber, kPeerMac), kOurV6, kPeerV6,
                     header::ip_proto::kIcmpv6, 255);
  ExpectAdvertisement(msg, kPeerV6, /*solicited=*/true, /*with_tlla=*/true);
}

// Duplicate address detection: from ::, to the solicited-node group, no
// source link-layer option. The answer goes to all nodes, unsolicited
// (RFC 4861 7.2.4; Linux drops a multicast NA with S set).
TEST(NdpResponder, DadSolicitationIsAnsweredToAllNodes) {
  ResponderHarness h(LinkMode::kEthernet);
  h.SendIp(
      NeighborSolicitation("::", kSolicitedNodeOfOurs, kOurV6, std::nullopt),
      kSolicitedNodeMac);
  std::vector<uint8_t> msg =
      CheckIpv6Reply(h.RecvIp(kIPv6ProtocolNumber, kAllNodesMac), kOurV6,
                     "ff02::1", header::ip_proto::kIcmpv6, 255);
  ExpectAdvertisement(msg, "ff02::1", /*solicited=*/false,
                      /*with_tlla=*/true);
}

// On a link without link-layer addresses the NA has no TLLA option.
TEST(NdpResponder, RawIpAdvertisementHasNoLinkLayerOption) {
  ResponderHarness h(LinkMode::kRawIp);
  h.SendIp(NeighborSolicitation(kPeerV6, kOurV6, kOurV6, std::nullopt));
  std::vector<uint8_t> msg =
      CheckIpv6Reply(h.RecvIp(kIPv6ProtocolNumber), kOurV6, kPeerV6,
                     header::ip_proto::kIcmpv6, 255);
  ExpectAdvertisement(msg, kPeerV6, /*solicited=*/true, /*with_tlla=*/false);
}

TEST(NdpResponder, InvalidOrForeignSolicitationsAreDropped) {
  ResponderHarness h(LinkMode::kEthernet);
  // For someone else's address (sent to their solicited-node group, which
  // is not ours: not_ours; sent to us: ndp_not_ours).
  h.SendIp(NeighborSolicitation(kPeerV6, "ff02::1:ff00:3", kOtherV6),
           MacAddress({0x33, 0x33, 0xff, 0, 0, 3}));
  h.SendIp(NeighborSolicitation(kPeerV6, kOurV6, kOtherV6));
  // Hop limit not 255 (it may have been routed).
  h.SendIp(NeighborSolicitation(kPeerV6, kOurV6, kOurV6, kPeerMac, 64));
  // DAD with a source link-layer option.
  h.SendIp(NeighborSolicitation("::", kSolicitedNodeOfOurs, kOurV6, kPeerMac),
           kSolicitedNodeMac);
  // DAD not sent to the solicited-node group.
  h.SendIp(NeighborSolicitation("::", kOurV6, kOurV6, std::nullopt));
  // Multicast target.
  h.SendIp(NeighborSolicitation(kPeerV6, kOurV6, "ff02::1"));
  // Zero-length option.
  {
    std::vector<uint8_t> ns = NeighborSolicitation(kPeerV6, kOurV6, kOurV6);
    const size_t msg = header::kIpv6FixedHeaderSize;
    ns[msg + header::kNdpNeighborMinimumSize + 1] = 0;
    const std::span<uint8_t> message = std::span<uint8_t>(ns).subspan(msg);
    header::MutableIcmpv6 icmp(message);
    icmp.SetChecksum(header::Icmpv6Checksum(V6(kPeerV6), V6(kOurV6), message));
    h.SendIp(ns);
  }
  // Bad ICMPv6 checksum.
  {
    std::vector<uint8_t> ns = NeighborSolicitation(kPeerV6, kOurV6, kOurV6);
    ns.back() ^= 0x01;
    h.SendIp(ns);
  }
  h.ExpectNoReply();
  ResponderCounters c = h.WaitSettled(8);
  EXPECT_EQ(c.drops_of(ResponderDrop::kNotOurs), 1u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kNdpNotOurs), 1u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kBadNdp), 5u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kBadTransportChecksum), 1u);
  EXPECT_EQ(c.neighbor_advertisements, 0u);
}

}  // namespace
}  // namespace fdlink::responder::testing
