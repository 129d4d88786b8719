// ARP over a real Ethernet-mode endpoint: requests for our addresses get a
// correct reply; anything else is dropped under its own reason.
#include <gtest/gtest.h>

#include "responder_test_util.h"

namespace fdlink::responder::testing {
namespace {

// RecvArp receives one frame and checks it is an ARP reply from kOurMac to
// `dst_mac`; returns the ARP bytes (empty on failure).
std::vector<uint8_t> RecvArp(ResponderHarness& h, MacAddress dst_mac) {
  return h.RecvIp(kARPProtocolNumber, dst_mac);
}

TEST(ArpResponder, RequestForOurAddressGetsReply) {
  ResponderHarness h(LinkMode::kEthernet);
  h.SendEther(kARPProtocolNumber,
              ArpPacket(header::arp_op::kRequest, kPeerMac, kPeerV4, kOurV4),
              MacAddress::Broadcast());
  std::vector<uint8_t> b = RecvArp(h, kPeerMac);
  Result<header::Arp> arp = header::Arp::Parse(std::span<const uint8_t>(b));
  ASSERT_TRUE(arp.has_value());
  EXPECT_EQ(b.size(), header::kArpSize);
  EXPECT_EQ(arp->op(), header::arp_op::kReply);
  EXPECT_EQ(MacAddress(arp->sender_hardware_address()), kOurMac);
  EXPECT_EQ(arp->sender_protocol_address(), V4(kOurV4));
  EXPECT_EQ(MacAddress(arp->target_hardware_address()), kPeerMac);
  EXPECT_EQ(arp->target_protocol_address(), V4(kPeerV4));
  ResponderCounters c = h.WaitSettled(1);
  EXPECT_EQ(c.arp_replies, 1u);
  EXPECT_EQ(c.received, 1u);
}

// The reply goes to the ARP sender's MAC and uses the endpoint's current
// MAC, even after it changed.
TEST(ArpResponder, ReplyUsesCurrentLinkAddress) {
  ResponderHarness h(LinkMode::kEthernet);
  const MacAddress renamed({0x02, 0, 0, 0, 0, 0x77});
  h.endpoint().SetLinkAddress(renamed);
  h.SendEther(kARPProtocolNumber,
              ArpPacket(header::arp_op::kRequest, kPeerMac, kPeerV4, kOurV4),
              renamed);
  std::vector<uint8_t> f = h.RecvFrame();
  ASSERT_EQ(f.size(), header::kEthernetHeaderSize + header::kArpSize);
  header::Ethernet eth{std::span<const uint8_t>(f)};
  EXPECT_EQ(MacAddress(eth.src()), renamed);
  header::Arp arp(eth.payload());
  EXPECT_EQ(MacAddress(arp.sender_hardware_address()), renamed);
}

// An ARP probe (sender IP 0.0.0.0, RFC 5227) is answered so the prober
// sees the conflict.
TEST(ArpResponder, ProbeIsAnswered) {
  ResponderHarness h(LinkMode::kEthernet);
  h.SendEther(kARPProtocolNumber,
              ArpPacket(header::arp_op::kRequest, kPeerMac, "0.0.0.0", kOurV4),
              MacAddress::Broadcast());
  std::vector<uint8_t> b = RecvArp(h, kPeerMac);
  ASSERT_EQ(b.size(), header::kArpSize);
  header::Arp arp{std::span<const uint8_t>(b)};
  EXPECT_EQ(arp.sender_protocol_address(), V4(kOurV4));
  EXPECT_TRUE(arp.target_protocol_address().IsUnspecified());
}

TEST(ArpResponder, OtherArpIsDroppedByReason) {
  ResponderHarness h(LinkMode::kEthernet);
  const auto request = [](std::string_view tpa) {
    return ArpPacket(header::arp_op::kRequest, kPeerMac, kPeerV4, tpa);
  };
  // Not our address.
  h.SendEther(kARPProtocolNumber, request(kOtherV4), MacAddress::Broadcast());
  // A reply, not a request.
  h.SendEther(kARPProtocolNumber,
              ArpPacket(header::arp_op::kReply, kPeerMac, kPeerV4, kOurV4));
  // Wrong hardware type.
  std::vector<uint8_t> bad_htype = request(kOurV4);
  bad_htype[1] = 6;
  h.SendEther(kARPProtocolNumber, bad_htype);
  // Truncated.
  std::vector<uint8_t> truncated = request(kOurV4);
  truncated.pop_back();
  h.SendEther(kARPProtocolNumber, truncated);
  // From a group sender hardware address.
  h.SendEther(kARPProtocolNumber,
              ArpPacket(header::arp_op::kRequest, MacAddress::Broadcast(),
                        kPeerV4, kOurV4));
  h.ExpectNoReply();
  ResponderCounters c = h.WaitSettled(5);
  EXPECT_EQ(c.drops_of(ResponderDrop::kArpNotOurs), 1u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kUnsupportedArp), 1u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kMalformedArp), 1u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kTruncated), 1u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kBadSource), 1u);
  EXPECT_EQ(c.arp_replies, 0u);

  // Still answering.
  h.SendEther(kARPProtocolNumber, request(kOurV4));
  EXPECT_EQ(RecvArp(h, kPeerMac).size(), header::kArpSize);
}

}  // namespace
}  // namespace fdlink::responder::testing
