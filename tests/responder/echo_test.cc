// ICMPv4, ICMPv6 and UDP echo through a real endpoint, in Ethernet and
// raw-IP mode: replies carry the request's identifiers and data back with
// valid checksums.
#include <gtest/gtest.h>

#include "fdlink/header/udp.h"
#include "responder_test_util.h"

namespace fdlink::responder::testing {
namespace {

using EchoTest = ModeTest;

TEST_P(EchoTest, Icmpv4EchoIsAnswered) {
  ResponderHarness h(GetParam());
  const std::vector<uint8_t> req = Icmpv4Echo(kPeerV4, kOurV4, 0x4242, 7, 100);
  h.SendIp(req);
  std::vector<uint8_t> msg =
      CheckIpv4Reply(h.RecvIp(kIPv4ProtocolNumber), kOurV4, kPeerV4,
                     header::ip_proto::kIcmpv4);
  ASSERT_EQ(msg.size(), header::kIcmpHeaderSize + 100);
  header::Icmpv4 icmp{std::span<const uint8_t>(msg)};
  EXPECT_EQ(icmp.type(), header::icmpv4_type::kEchoReply);
  EXPECT_EQ(icmp.code(), 0);
  EXPECT_EQ(icmp.ident(), 0x4242);
  EXPECT_EQ(icmp.sequence(), 7);
  EXPECT_TRUE(header::VerifyIcmpv4Checksum(msg));
  const std::span<const uint8_t> sent = std::span<const uint8_t>(req).subspan(
      header::kIpv4MinimumSize + header::kIcmpHeaderSize);
  EXPECT_TRUE(std::ranges::equal(icmp.payload(), sent));
  ResponderCounters c = h.WaitSettled(1);
  EXPECT_EQ(c.icmpv4_echo_replies, 1u);
  EXPECT_EQ(c.total_drops(), 0u);
}

TEST_P(EchoTest, Icmpv6EchoIsAnswered) {
  ResponderHarness h(GetParam());
  const std::vector<uint8_t> req = Icmpv6Echo(kPeerV6, kOurV6, 0x0102, 9, 33);
  h.SendIp(req);
  std::vector<uint8_t> msg =
      CheckIpv6Reply(h.RecvIp(kIPv6ProtocolNumber), kOurV6, kPeerV6,
                     header::ip_proto::kIcmpv6);
  ASSERT_EQ(msg.size(), header::kIcmpHeaderSize + 33);
  header::Icmpv6 icmp{std::span<const uint8_t>(msg)};
  EXPECT_EQ(icmp.type(), header::icmpv6_type::kEchoReply);
  EXPECT_EQ(icmp.code(), 0);
  EXPECT_EQ(icmp.ident(), 0x0102);
  EXPECT_EQ(icmp.sequence(), 9);
  EXPECT_TRUE(header::VerifyIcmpv6Checksum(V6(kOurV6), V6(kPeerV6), msg));
  const std::span<const uint8_t> sent = std::span<const uint8_t>(req).subspan(
      header::kIpv6FixedHeaderSize + header::kIcmpHeaderSize);
  EXPECT_TRUE(std::ranges::equal(icmp.payload(), sent));
  EXPECT_EQ(h.WaitSettled(1).icmpv6_echo_replies, 1u);
}

// CheckUdpEcho checks a UDP echo reply datagram against the request's.
void CheckUdpEcho(const std::vector<uint8_t>& reply,
                  std::span<const uint8_t> request_udp) {
  ASSERT_EQ(reply.size(), request_udp.size());
  header::Udp got{std::span<const uint8_t>(reply)};
  header::Udp sent(request_udp);
  EXPECT_EQ(got.src_port(), sent.dst_port());
  EXPECT_EQ(got.dst_port(), sent.src_port());
  EXPECT_EQ(got.length(), sent.length());
  EXPECT_NE(got.checksum(), 0);
  EXPECT_TRUE(std::ranges::equal(got.payload(), sent.payload()));
}

TEST_P(EchoTest, UdpOverIpv4IsEchoedByteExact) {
  ResponderHarness h(GetParam());
  for (size_t size : {0u, 1u, 7u, 1000u, 1472u}) {
    const std::vector<uint8_t> req =
        fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 40000, 7, size);
    h.SendIp(req);
    std::vector<uint8_t> udp = CheckIpv4Reply(
        h.RecvIp(kIPv4ProtocolNumber), kOurV4, kPeerV4, header::ip_proto::kUdp);
    CheckUdpEcho(udp, std::span(req).subspan(header::kIpv4MinimumSize));
    EXPECT_TRUE(header::VerifyUdpChecksum(V4(kOurV4), V4(kPeerV4), udp));
  }
  EXPECT_EQ(h.WaitSettled(5).udp_echoes, 5u);
}

TEST_P(EchoTest, UdpOverIpv6IsEchoedByteExact) {
  ResponderHarness h(GetParam());
  for (bool extensions : {false, true}) {
    for (size_t size : {0u, 13u, 1400u}) {
      const std::vector<uint8_t> req =
          fdlink::testing::Ipv6Udp(kPeerV6, kOurV6, 50000, 7, size, extensions);
      h.SendIp(req);
      std::vector<uint8_t> udp =
          CheckIpv6Reply(h.RecvIp(kIPv6ProtocolNumber), kOurV6, kPeerV6,
                         header::ip_proto::kUdp);
      const size_t udp_offset =
          header::kIpv6FixedHeaderSize + (extensions ? 16 : 0);
      CheckUdpEcho(udp, std::span(req).subspan(udp_offset));
      EXPECT_TRUE(header::VerifyUdpChecksum(V6(kOurV6), V6(kPeerV6), udp));
    }
  }
  EXPECT_EQ(h.WaitSettled(6).udp_echoes, 6u);
}

TEST_P(EchoTest, UdpOverIpv4WithoutChecksumIsEchoedWithOne) {
  ResponderHarness h(GetParam());
  std::vector<uint8_t> req =
      fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 1234, 7, 20);
  header::MutableUdp(std::span(req).subspan(header::kIpv4MinimumSize))
      .SetChecksum(0);
  h.SendIp(req);
  std::vector<uint8_t> udp = CheckIpv4Reply(
      h.RecvIp(kIPv4ProtocolNumber), kOurV4, kPeerV4, header::ip_proto::kUdp);
  CheckUdpEcho(udp, std::span(req).subspan(header::kIpv4MinimumSize));
  EXPECT_TRUE(header::VerifyUdpChecksum(V4(kOurV4), V4(kPeerV4), udp));
}

TEST_P(EchoTest, OnlyConfiguredPortsAndAddressesAreServed) {
  ResponderConfig config = DefaultConfig();
  config.ipv4.push_back(V4("198.19.255.1"));
  config.udp_echo_ports = {9, 5353};
  ResponderHarness h(GetParam(), config);
  h.SendIp(fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 1, 7, 8));
  h.ExpectNoReply();
  h.SendIp(fdlink::testing::Ipv4Udp(kPeerV4, "198.19.255.1", 1, 5353, 8));
  std::vector<uint8_t> udp =
      CheckIpv4Reply(h.RecvIp(kIPv4ProtocolNumber), "198.19.255.1", kPeerV4,
                     header::ip_proto::kUdp);
  ASSERT_GE(udp.size(), header::kUdpMinimumSize);
  EXPECT_EQ(header::Udp(std::span<const uint8_t>(udp)).src_port(), 5353);
  ResponderCounters c = h.WaitSettled(2);
  EXPECT_EQ(c.drops_of(ResponderDrop::kPortNotServed), 1u);
  EXPECT_EQ(c.udp_echoes, 1u);
}

// With RX checksum offload the link vouches for transport checksums, so a
// datagram whose checksum field is wrong is still echoed (with a correct
// one); the IPv4 header checksum is still checked.
TEST_P(EchoTest, RxChecksumOffloadSkipsTransportVerification) {
  ResponderHarness h(GetParam(), DefaultConfig(),
                     /*rx_checksum_offload=*/true);
  std::vector<uint8_t> req =
      fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 1234, 7, 20);
  header::MutableUdp(std::span(req).subspan(header::kIpv4MinimumSize))
      .SetChecksum(0xdead);
  h.SendIp(req);
  std::vector<uint8_t> udp = CheckIpv4Reply(
      h.RecvIp(kIPv4ProtocolNumber), kOurV4, kPeerV4, header::ip_proto::kUdp);
  EXPECT_TRUE(header::VerifyUdpChecksum(V4(kOurV4), V4(kPeerV4), udp));

  std::vector<uint8_t> bad_ip = Icmpv4Echo(kPeerV4, kOurV4, 1, 1);
  bad_ip[header::kIpv4ChecksumOffset] ^= 0xff;
  h.SendIp(bad_ip);
  h.ExpectNoReply();
  ResponderCounters c = h.WaitSettled(2);
  EXPECT_EQ(c.udp_echoes, 1u);
  EXPECT_EQ(c.drops_of(ResponderDrop::kBadIpv4Checksum), 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, EchoTest,
                         ::testing::Values(LinkMode::kEthernet,
                                           LinkMode::kRawIp),
                         ModeParamName);

}  // namespace
}  // namespace fdlink::responder::testing
