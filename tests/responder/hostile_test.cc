// Hostile and unwanted frames: each is dropped and counted under its own
// reason, nothing is sent back, and a good echo request sent right after is
// still answered.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "fdlink/header/udp.h"
#include "responder_test_util.h"

namespace fdlink::responder::testing {
namespace {

// HostileCase is one frame to throw at the responder. `frame` builds the
// datagram to send for a link mode; `reason` is the drop it must cause.
struct HostileCase {
  std::string name;
  std::function<std::vector<uint8_t>(LinkMode)> frame;
  ResponderDrop reason;
};

// Framed wraps an IP packet for the link mode (Ethernet from kPeerMac to
// kOurMac, EtherType by version nibble).
std::vector<uint8_t> Framed(LinkMode mode, std::vector<uint8_t> ip) {
  if (mode == LinkMode::kRawIp) return ip;
  const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
  return fdlink::testing::EthernetFrame(
      kOurMac, kPeerMac, v6 ? kIPv6ProtocolNumber : kIPv4ProtocolNumber, ip);
}

// Ip returns a case whose frame is `ip` wrapped for the mode.
std::function<std::vector<uint8_t>(LinkMode)> Ip(std::vector<uint8_t> ip) {
  return [ip](LinkMode mode) { return Framed(mode, ip); };
}

// EditIpv4 returns `ip` after applying `edit`, with the IPv4 header checksum
// recomputed when `fix_checksum` (so only the edited field is wrong).
std::vector<uint8_t> EditIpv4(
    std::vector<uint8_t> ip,
    const std::function<void(std::vector<uint8_t>&)>& edit,
    bool fix_checksum = true) {
  edit(ip);
  if (fix_checksum && ip.size() >= header::kIpv4MinimumSize) {
    header::MutableIpv4 h{std::span<uint8_t>(ip)};
    h.UpdateChecksum();
  }
  return ip;
}

std::vector<uint8_t> GoodV4() { return Icmpv4Echo(kPeerV4, kOurV4, 1, 1); }
std::vector<uint8_t> GoodV6() { return Icmpv6Echo(kPeerV6, kOurV6, 1, 1); }

// Truncated returns the first n bytes of b.
std::vector<uint8_t> Truncated(std::vector<uint8_t> b, size_t n) {
  b.resize(n);
  return b;
}

// Cases valid in both link modes.
std::vector<HostileCase> IpCases() {
  using D = ResponderDrop;
  std::vector<HostileCase> v;
  v.push_back(
      {"ipv4_truncated_header", Ip(Truncated(GoodV4(), 19)), D::kTruncated});
  v.push_back({"ipv4_ihl_4",
               Ip(EditIpv4(
                   GoodV4(), [](auto& b) { b[0] = 0x44; }, false)),
               D::kBadIpv4Header});
  v.push_back({"ipv4_ihl_15_short_packet",
               Ip(EditIpv4(GoodV4(),
                           [](auto& b) {
                             b[0] = 0x4f;
                             b.resize(40);
                             b[2] = 0;
                             b[3] = 40;
                           })),
               D::kBadIpv4Header});
  v.push_back({"ipv4_total_length_beyond_frame",
               Ip(EditIpv4(GoodV4(),
                           [](auto& b) {
                             header::MutableIpv4(std::span<uint8_t>(b))
                                 .SetTotalLength(
                                     static_cast<uint16_t>(b.size() + 1));
                           })),
               D::kBadIpv4Header});
  v.push_back({"ipv4_total_length_below_header",
               Ip(EditIpv4(GoodV4(),
                           [](auto& b) {
                             header::MutableIpv4(std::span<uint8_t>(b))
                                 .SetTotalLength(19);
                           })),
               D::kBadIpv4Header});
  v.push_back({"ipv4_bad_header_checksum",
               Ip(EditIpv4(
                   GoodV4(), [](auto& b) { b[10] ^= 0x55; }, false)),
               D::kBadIpv4Checksum});
  v.push_back(
      {"ipv4_not_ours", Ip(Icmpv4Echo(kPeerV4, kOtherV4, 1, 1)), D::kNotOurs});
  v.push_back({"ipv4_broadcast_source",
               Ip(Icmpv4Echo("255.255.255.255", kOurV4, 1, 1)), D::kBadSource});
  v.push_back({"ipv4_multicast_source",
               Ip(Icmpv4Echo("224.0.0.1", kOurV4, 1, 1)), D::kBadSource});
  v.push_back({"ipv4_first_fragment",
               Ip(EditIpv4(GoodV4(),
                           [](auto& b) {
                             header::MutableIpv4(std::span<uint8_t>(b))
                                 .SetMoreFragments(true);
                           })),
               D::kFragment});
  v.push_back({"ipv4_later_fragment",
               Ip(EditIpv4(GoodV4(),
                           [](auto& b) {
                             header::MutableIpv4(std::span<uint8_t>(b))
                                 .SetFragmentOffset(64);
                           })),
               D::kFragment});
  v.push_back({"ipv4_tcp",
               Ip(Ipv4Packet(kPeerV4, kOurV4, header::ip_proto::kTcp,
                             std::vector<uint8_t>(20))),
               D::kUnknownProtocol});
  v.push_back({"ipv4_icmp_truncated",
               Ip(Ipv4Packet(kPeerV4, kOurV4, header::ip_proto::kIcmpv4,
                             std::vector<uint8_t>(7))),
               D::kTruncated});
  v.push_back({"ipv4_icmp_bad_checksum",
               Ip(EditIpv4(GoodV4(), [](auto& b) { b.back() ^= 1; })),
               D::kBadTransportChecksum});
  v.push_back({"ipv4_icmp_timestamp", Ip([] {
                 std::vector<uint8_t> m(20);
                 m[0] = 13;  // Timestamp request.
                 header::MutableIcmpv4(std::span<uint8_t>(m))
                     .SetChecksum(header::Icmpv4Checksum(m));
                 return Ipv4Packet(kPeerV4, kOurV4, header::ip_proto::kIcmpv4,
                                   m);
               }()),
               D::kUnsupportedIcmp});
  v.push_back({"ipv4_icmp_echo_reply", Ip([] {
                 std::vector<uint8_t> m =
                     EchoMessage(header::icmpv4_type::kEchoReply, 1, 1, 8);
                 header::MutableIcmpv4(std::span<uint8_t>(m))
                     .SetChecksum(header::Icmpv4Checksum(m));
                 return Ipv4Packet(kPeerV4, kOurV4, header::ip_proto::kIcmpv4,
                                   m);
               }()),
               D::kUnsupportedIcmp});
  v.push_back({"udp_truncated",
               Ip(Ipv4Packet(kPeerV4, kOurV4, header::ip_proto::kUdp,
                             std::vector<uint8_t>(5))),
               D::kTruncated});
  v.push_back({"udp_length_beyond_packet",
               Ip(EditIpv4(fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 1, 7, 10),
                           [](auto& b) {
                             header::MutableUdp(
                                 std::span<uint8_t>(b).subspan(20))
                                 .SetLength(19);
                           })),
               D::kBadTransportHeader});
  v.push_back(
      {"udp_length_below_header",
       Ip(EditIpv4(
           fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 1, 7, 10),
           [](auto& b) {
             header::MutableUdp(std::span<uint8_t>(b).subspan(20)).SetLength(7);
           })),
       D::kBadTransportHeader});
  v.push_back({"udp_v4_bad_checksum",
               Ip(EditIpv4(fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 1, 7, 10),
                           [](auto& b) { b.back() ^= 0x80; })),
               D::kBadTransportChecksum});
  v.push_back({"udp_v6_bad_checksum", Ip([] {
                 auto b = fdlink::testing::Ipv6Udp(kPeerV6, kOurV6, 1, 7, 10);
                 b.back() ^= 0x80;
                 return b;
               }()),
               D::kBadTransportChecksum});
  v.push_back(
      {"udp_v6_zero_checksum", Ip([] {
         auto b = fdlink::testing::Ipv6Udp(kPeerV6, kOurV6, 1, 7, 10);
         header::MutableUdp(std::span<uint8_t>(b).subspan(40)).SetChecksum(0);
         return b;
       }()),
       D::kBadTransportChecksum});
  v.push_back({"udp_port_not_served",
               Ip(fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 1, 9, 10)),
               D::kPortNotServed});
  v.push_back(
      {"ipv6_truncated_header", Ip(Truncated(GoodV6(), 39)), D::kTruncated});
  v.push_back({"ipv6_payload_length_beyond_frame", Ip([] {
                 auto b = GoodV6();
                 header::MutableIpv6(std::span<uint8_t>(b))
                     .SetPayloadLength(static_cast<uint16_t>(b.size()));
                 return b;
               }()),
               D::kBadIpv6Header});
  v.push_back({"ipv6_truncated_extension_header",
               Ip(Ipv6Packet(kPeerV6, kOurV6, header::ip_proto::kIpv6HopByHop,
                             std::vector<uint8_t>{header::ip_proto::kUdp, 1, 0,
                                                  0, 0, 0, 0, 0})),
               D::kBadIpv6Header});
  v.push_back(
      {"ipv6_hop_by_hop_not_first",
       Ip(Ipv6Packet(kPeerV6, kOurV6, header::ip_proto::kIpv6DestinationOptions,
                     std::vector<uint8_t>{header::ip_proto::kIpv6HopByHop, 0, 1,
                                          4, 0, 0, 0, 0, header::ip_proto::kUdp,
                                          0, 1, 4, 0, 0, 0, 0})),
       D::kBadIpv6Header});
  v.push_back({"ipv6_fragment",
               Ip(Ipv6Packet(kPeerV6, kOurV6, header::ip_proto::kIpv6Fragment,
                             std::vector<uint8_t>{header::ip_proto::kUdp, 0, 0,
                                                  1, 0, 0, 0, 9, 1, 2, 3, 4})),
               D::kFragment});
  v.push_back(
      {"ipv6_not_ours", Ip(Icmpv6Echo(kPeerV6, kOtherV6, 1, 1)), D::kNotOurs});
  v.push_back({"ipv6_echo_to_all_nodes",
               Ip(Icmpv6Echo(kPeerV6, "ff02::1", 1, 1)), D::kNotOurs});
  v.push_back({"ipv6_multicast_source", Ip(Icmpv6Echo("ff02::2", kOurV6, 1, 1)),
               D::kBadSource});
  v.push_back({"ipv6_unspecified_source_echo",
               Ip(Icmpv6Echo("::", kOurV6, 1, 1)), D::kBadSource});
  v.push_back(
      {"ipv6_no_next_header",
       Ip(Ipv6Packet(kPeerV6, kOurV6, header::ip_proto::kIpv6NoNextHeader, {})),
       D::kUnknownProtocol});
  v.push_back({"ipv6_icmp_bad_checksum", Ip([] {
                 auto b = GoodV6();
                 b.back() ^= 1;
                 return b;
               }()),
               D::kBadTransportChecksum});
  v.push_back(
      {"ipv6_router_solicitation",
       Ip(Icmpv6Packet(kPeerV6, kOurV6,
                       std::vector<uint8_t>{133, 0, 0, 0, 0, 0, 0, 0}, 255)),
       D::kUnsupportedIcmp});
  v.push_back({"ipv6_icmp_truncated",
               Ip(Ipv6Packet(kPeerV6, kOurV6, header::ip_proto::kIcmpv6,
                             std::vector<uint8_t>(4))),
               D::kTruncated});
  v.push_back({"garbage_version_4",
               Ip(std::vector<uint8_t>{0x45, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3}),
               D::kTruncated});
  v.push_back({"garbage_version_6", Ip([] {
                 std::vector<uint8_t> b = fdlink::testing::Pattern(300, 0x61);
                 b[0] = 0x6f;
                 return b;
               }()),
               D::kBadIpv6Header});
  return v;
}

// Cases that need an Ethernet header.
std::vector<HostileCase> EthernetCases() {
  using D = ResponderDrop;
  const auto ether = [](uint16_t type, std::vector<uint8_t> payload,
                        MacAddress src = kPeerMac) {
    return [=](LinkMode) {
      return fdlink::testing::EthernetFrame(kOurMac, src, type, payload);
    };
  };
  return {
      {"unknown_ethertype", ether(0x88b5, fdlink::testing::Pattern(64)),
       D::kUnknownEtherType},
      {"ipv4_ethertype_with_ipv6_packet", ether(kIPv4ProtocolNumber, GoodV6()),
       D::kBadIpv4Header},
      {"group_source_mac",
       ether(kIPv4ProtocolNumber, GoodV4(), MacAddress::Broadcast()),
       D::kBadSource},
      {"empty_ipv4_payload", ether(kIPv4ProtocolNumber, {}), D::kTruncated},
      {"garbage_bytes",
       ether(kIPv6ProtocolNumber, fdlink::testing::Pattern(100, 0x13)),
       D::kBadIpv6Header},
  };
}

class HostileTest : public ModeTest {
 protected:
  void Run(const std::vector<HostileCase>& cases) {
    ResponderHarness h(GetParam());
    uint64_t sent = 0;
    for (const HostileCase& c : cases) {
      SCOPED_TRACE(c.name);
      const ResponderCounters before = h.WaitSettled(sent);
      h.SendFrame(c.frame(GetParam()));
      ++sent;
      ResponderCounters after = h.WaitSettled(sent);
      EXPECT_EQ(after.drops_of(c.reason), before.drops_of(c.reason) + 1)
          << "expected a " << ResponderDropName(c.reason) << " drop; "
          << after.Summary();
      EXPECT_EQ(after.total_drops(), before.total_drops() + 1);
      EXPECT_EQ(after.replies(), before.replies());

      // A good request right after is still answered, and its reply is the
      // next frame: nothing was sent for the hostile one.
      const bool v6 = sent % 2 == 0;
      const uint16_t seq = static_cast<uint16_t>(sent);
      h.SendIp(v6 ? Icmpv6Echo(kPeerV6, kOurV6, 1, seq)
                  : Icmpv4Echo(kPeerV4, kOurV4, 1, seq));
      ++sent;
      const std::vector<uint8_t> reply =
          h.RecvIp(v6 ? kIPv6ProtocolNumber : kIPv4ProtocolNumber);
      const size_t ip_size =
          v6 ? header::kIpv6FixedHeaderSize : header::kIpv4MinimumSize;
      ASSERT_GE(reply.size(), ip_size + header::kIcmpHeaderSize)
          << "no answer after " << c.name;
      EXPECT_EQ(header::LoadBe16(reply, ip_size + 6), seq)
          << "the frame after " << c.name << " is not the echo reply";
    }
    ResponderCounters end = h.WaitSettled(sent);
    EXPECT_EQ(end.total_drops(), cases.size());
    EXPECT_EQ(end.replies(), cases.size());
    EXPECT_EQ(end.tx_failed, 0u);
  }
};

TEST_P(HostileTest, IpFramesAreDroppedByReason) { Run(IpCases()); }

TEST_P(HostileTest, EthernetFramesAreDroppedByReason) {
  if (GetParam() == LinkMode::kEthernet) {
    Run(EthernetCases());
  } else {
    // Without a link header the endpoint itself drops what is not IPv4 or
    // IPv6 by version; nothing reaches the responder.
    ResponderHarness h(GetParam());
    h.SendFrame(fdlink::testing::Pattern(64, 0x13));
    h.ExpectNoReply();
    EXPECT_EQ(h.endpoint().TotalCounters().drops_of(
                  fdbased::DropReason::kUnknownProtocol),
              1u);
    EXPECT_EQ(h.responder().Counters().received, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, HostileTest,
                         ::testing::Values(LinkMode::kEthernet,
                                           LinkMode::kRawIp),
                         ModeParamName);

}  // namespace
}  // namespace fdlink::responder::testing
