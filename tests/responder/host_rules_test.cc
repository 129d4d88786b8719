// What a host must not answer (RFC 1122 3.2.1.3 and 3.3.6, RFC 4291, RFC
// 5095, RFC 8200 4.2, RFC 862): each request is dropped under its own
// reason and nothing is sent; the same request without the offending part
// is answered, so each drop is caused by that part alone.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "fdlink/header/ip_protocols.h"
#include "responder_test_util.h"

namespace fdlink::responder::testing {
namespace {

using D = ResponderDrop;

// Ipv6EchoBehind builds an ICMPv6 echo request from src to kOurV6 behind
// the extension headers `ext`: `first_header` names the first of them, and
// the last one's Next Header must be ICMPv6.
std::vector<uint8_t> Ipv6EchoBehind(uint8_t first_header,
                                    std::vector<uint8_t> ext,
                                    std::string_view src = kPeerV6) {
  std::vector<uint8_t> m =
      EchoMessage(header::icmpv6_type::kEchoRequest, 1, 1, 16);
  header::MutableIcmpv6(std::span<uint8_t>(m))
      .SetChecksum(header::Icmpv6Checksum(V6(src), V6(kOurV6), m));
  ext.insert(ext.end(), m.begin(), m.end());
  return Ipv6Packet(src, kOurV6, first_header, ext);
}

// RoutingHeader is a routing header of `type` with one 16-byte address and
// `segments_left`, followed by ICMPv6.
std::vector<uint8_t> RoutingHeader(uint8_t type, uint8_t segments_left) {
  std::vector<uint8_t> h = {
      header::ip_proto::kIcmpv6, 2, type, segments_left, 0, 0, 0, 0};
  h.resize(24, 0x20);  // One address (contents do not matter here).
  return h;
}

// OptionsHeader is a hop-by-hop or destination options header (8 bytes)
// holding one option of `type` with 4 data bytes, followed by ICMPv6.
std::vector<uint8_t> OptionsHeader(uint8_t option_type) {
  return {header::ip_proto::kIcmpv6, 0, option_type, 4, 0, 0, 0, 0};
}

struct Case {
  std::string name;
  std::vector<uint8_t> ip;
  D reason;  // The drop it must cause.
  MacAddress link_dst = kOurMac;
};

std::vector<Case> Cases(LinkMode mode) {
  std::vector<Case> v = {
      {"ipv4_loopback_source", Icmpv4Echo("127.0.0.1", kOurV4, 1, 1),
       D::kLoopbackSource},
      {"ipv4_class_e_source", Icmpv4Echo("240.0.0.1", kOurV4, 1, 1),
       D::kClassESource},
      {"ipv4_own_source", Icmpv4Echo(kOurV4, kOurV4, 1, 1), D::kOwnSource},
      {"ipv6_loopback_source", Icmpv6Echo("::1", kOurV6, 1, 1),
       D::kLoopbackSource},
      {"ipv6_mapped_source", Icmpv6Echo("::ffff:198.18.0.2", kOurV6, 1, 1),
       D::kMappedSource},
      {"ipv6_own_source", Icmpv6Echo(kOurV6, kOurV6, 1, 1), D::kOwnSource},
      {"ipv6_routing_type_0_segments_left",
       Ipv6EchoBehind(header::ip_proto::kIpv6Routing, RoutingHeader(0, 1)),
       D::kRoutingHeader},
      {"ipv6_routing_type_2_segments_left",
       Ipv6EchoBehind(header::ip_proto::kIpv6Routing, RoutingHeader(2, 1)),
       D::kRoutingHeader},
      {"ipv6_hop_by_hop_option_01_discard",
       Ipv6EchoBehind(header::ip_proto::kIpv6HopByHop, OptionsHeader(0x5e)),
       D::kDiscardOption},
      {"ipv6_hop_by_hop_option_10_discard_icmp",
       Ipv6EchoBehind(header::ip_proto::kIpv6HopByHop, OptionsHeader(0x9e)),
       D::kDiscardOption},
      {"ipv6_hop_by_hop_option_11_discard_icmp_unicast",
       Ipv6EchoBehind(header::ip_proto::kIpv6HopByHop, OptionsHeader(0xde)),
       D::kDiscardOption},
      {"ipv6_destination_option_01_discard",
       Ipv6EchoBehind(header::ip_proto::kIpv6DestinationOptions,
                      OptionsHeader(0x5e)),
       D::kDiscardOption},
      {"udp_v4_from_echo_port",
       fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 7, 7, 10),
       D::kEchoServicePort},
      {"udp_v6_from_chargen_port",
       fdlink::testing::Ipv6Udp(kPeerV6, kOurV6, 19, 7, 10),
       D::kEchoServicePort},
  };
  if (mode == LinkMode::kEthernet) {
    v.push_back({"ipv4_unicast_as_link_broadcast",
                 Icmpv4Echo(kPeerV4, kOurV4, 1, 1), D::kLinkBroadcast,
                 MacAddress::Broadcast()});
    v.push_back({"ipv6_unicast_as_link_multicast",
                 Icmpv6Echo(kPeerV6, kOurV6, 1, 1), D::kLinkBroadcast,
                 MacAddress({0x33, 0x33, 0, 0, 0, 1})});
  }
  return v;
}

class HostRulesTest : public ModeTest {};

TEST_P(HostRulesTest, EachForbiddenRequestIsDroppedByItsReason) {
  ResponderHarness h(GetParam());
  uint64_t sent = 0;
  const std::vector<Case> cases = Cases(GetParam());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const ResponderCounters before = h.WaitSettled(sent);
    h.SendIp(c.ip, c.link_dst);
    ++sent;
    const ResponderCounters after = h.WaitSettled(sent);
    EXPECT_EQ(after.drops_of(c.reason), before.drops_of(c.reason) + 1)
        << "expected a " << ResponderDropName(c.reason) << " drop; "
        << after.Summary();
    EXPECT_EQ(after.total_drops(), before.total_drops() + 1);
    EXPECT_EQ(after.replies(), before.replies());
  }
  h.ExpectNoReply();
  EXPECT_EQ(h.responder().Counters().tx_failed, 0u);
}

TEST_P(HostRulesTest, TheSameRequestsWithoutTheFaultAreAnswered) {
  // Routing header with no segments left, options whose action is "skip"
  // (00) or padding, UDP from an ordinary port, unicast link destination.
  ResponderHarness h(GetParam());
  const std::vector<std::vector<uint8_t>> fine = {
      Ipv6EchoBehind(header::ip_proto::kIpv6Routing, RoutingHeader(0, 0)),
      Ipv6EchoBehind(header::ip_proto::kIpv6HopByHop, OptionsHeader(0x1e)),
      Ipv6EchoBehind(header::ip_proto::kIpv6HopByHop, OptionsHeader(0x01)),
      Ipv6EchoBehind(header::ip_proto::kIpv6DestinationOptions,
                     OptionsHeader(0x3e)),
      fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 8, 7, 10),
      fdlink::testing::Ipv6Udp(kPeerV6, kOurV6, 20, 7, 10),
      Icmpv4Echo(kPeerV4, kOurV4, 1, 1),
  };
  for (size_t i = 0; i < fine.size(); ++i) {
    SCOPED_TRACE(i);
    h.SendIp(fine[i]);
    const bool v6 = (fine[i][0] >> 4) == 6;
    EXPECT_FALSE(
        h.RecvIp(v6 ? kIPv6ProtocolNumber : kIPv4ProtocolNumber).empty());
  }
  const ResponderCounters c = h.WaitSettled(fine.size());
  EXPECT_EQ(c.replies(), fine.size()) << c.Summary();
  EXPECT_EQ(c.total_drops(), 0u) << c.Summary();
}

INSTANTIATE_TEST_SUITE_P(Modes, HostRulesTest,
                         ::testing::Values(LinkMode::kEthernet,
                                           LinkMode::kRawIp),
                         ModeParamName);

}  // namespace
}  // namespace fdlink::responder::testing
