#include "fdlink/header/ipv6.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fdlink/header/ip_protocols.h"
#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;

// 2001:db8::1 -> 2001:db8::2, traffic class 0xab, flow label 0x12345,
// next header UDP, hop limit 64, and a 4-byte payload.
const std::vector<uint8_t> kPacket = {
    0x6a, 0xb1, 0x23, 0x45, 0x00, 0x04, 0x11, 0x40,  // fixed words
    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,     // src
    0,    0,    0,    0,    0,    0,    0,    1,     //
    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,     // dst
    0,    0,    0,    0,    0,    0,    0,    2,     //
    0xca, 0xfe, 0xf0, 0x0d};                         // payload

TEST(Ipv6Test, ParsesRealPacket) {
  Result<Ipv6> ip = Ipv6::Parse(kPacket);
  ASSERT_TRUE(ip) << ip.error().ToString();
  EXPECT_EQ(ip->version(), 6);
  EXPECT_EQ(ip->traffic_class(), 0xab);
  EXPECT_EQ(ip->flow_label(), 0x12345u);
  EXPECT_EQ(ip->payload_length(), 4);
  EXPECT_EQ(ip->next_header(), ip_proto::kUdp);
  EXPECT_EQ(ip->hop_limit(), 64);
  EXPECT_EQ(ip->src().ToString(), "2001:db8::1");
  EXPECT_EQ(ip->dst().ToString(), "2001:db8::2");
  ASSERT_EQ(ip->payload().size(), 4u);
  EXPECT_EQ(ip->payload()[0], 0xca);
  EXPECT_EQ(ip->payload()[3], 0x0d);
  EXPECT_EQ(ip->packet().size(), 44u);
}

TEST(Ipv6Test, PayloadStopsAtPayloadLength) {
  std::vector<uint8_t> p = kPacket;
  p.push_back(0xee);
  p.push_back(0xee);
  Result<Ipv6> ip = Ipv6::Parse(p);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->payload().size(), 4u);
  EXPECT_EQ(ip->packet().size(), 44u);
  EXPECT_EQ(ip->bytes().size(), 46u);
}

TEST(Ipv6Test, ZeroPayloadLength) {
  std::vector<uint8_t> p(kPacket.begin(), kPacket.begin() + 40);
  p[4] = p[5] = 0;
  Result<Ipv6> ip = Ipv6::Parse(p);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->payload().empty());
}

TEST(Ipv6Test, BuildWithSettersAndReparse) {
  std::array<uint8_t, 48> buf{};
  MutableIpv6 ip(buf);
  ip.SetVersion(6);
  ip.SetTrafficClass(0xff);
  ip.SetFlowLabel(0xfffff);
  ip.SetTrafficClass(0x12);  // Must not disturb version or flow label.
  ip.SetFlowLabel(0xabcde);
  ip.SetPayloadLength(8);
  ip.SetNextHeader(ip_proto::kIcmpv6);
  ip.SetHopLimit(255);
  ip.SetSrc(*Ipv6Address::Parse("fe80::1"));
  ip.SetDst(*Ipv6Address::Parse("ff02::1:ff00:2"));
  ip.payload()[7] = 0x99;

  EXPECT_EQ(buf[0], 0x61);
  EXPECT_EQ(buf[1], 0x2a);
  EXPECT_EQ(buf[2], 0xbc);
  EXPECT_EQ(buf[3], 0xde);
  Result<Ipv6> back = Ipv6::Parse(buf);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->version(), 6);
  EXPECT_EQ(back->traffic_class(), 0x12);
  EXPECT_EQ(back->flow_label(), 0xabcdeu);
  EXPECT_EQ(back->payload_length(), 8);
  EXPECT_EQ(back->next_header(), ip_proto::kIcmpv6);
  EXPECT_EQ(back->hop_limit(), 255);
  EXPECT_EQ(back->src().ToString(), "fe80::1");
  EXPECT_EQ(back->dst().ToString(), "ff02::1:ff00:2");
  EXPECT_EQ(back->payload()[7], 0x99);
  Ipv6 readonly = ip;
  EXPECT_EQ(readonly.hop_limit(), 255);
}

TEST(Ipv6Test, RejectsTruncated) {
  for (size_t n = 0; n < kIpv6FixedHeaderSize; ++n) {
    EXPECT_TRUE(IsMalformed(Ipv6::Parse(std::span(kPacket).first(n)),
                            "ipv6: truncated"))
        << n;
  }
}

TEST(Ipv6Test, RejectsBadVersion) {
  std::vector<uint8_t> p = kPacket;
  p[0] = 0x4a;
  EXPECT_TRUE(IsMalformed(Ipv6::Parse(p), "ipv6: bad version"));
}

TEST(Ipv6Test, RejectsPayloadLengthBeyondBuffer) {
  EXPECT_TRUE(IsMalformed(Ipv6::Parse(std::span(kPacket).first(43)),
                          "ipv6: payload length exceeds buffer"));
  std::vector<uint8_t> p = kPacket;
  p[4] = 0xff;
  EXPECT_TRUE(
      IsMalformed(Ipv6::Parse(p), "ipv6: payload length exceeds buffer"));
}

TEST(Ipv6Test, UncheckedViewClampsPayload) {
  std::vector<uint8_t> p = kPacket;
  p[4] = 0xff;
  EXPECT_EQ(Ipv6(p).payload().size(), 4u);
}

}  // namespace
}  // namespace fdlink::header
