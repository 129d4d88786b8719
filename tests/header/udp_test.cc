#include "fdlink/header/udp.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fdlink/header/checksum.h"
#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;

// 12345 -> 53, "hello", checksum 301f over 2001:db8::1 -> 2001:db8::2.
const std::vector<uint8_t> kDatagram = {
    0x30, 0x39, 0x00, 0x35, 0x00, 0x0d, 0x30, 0x1f, 'h', 'e', 'l', 'l', 'o'};

TEST(UdpTest, ParsesRealDatagram) {
  Result<Udp> udp = Udp::Parse(kDatagram);
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->src_port(), 12345);
  EXPECT_EQ(udp->dst_port(), 53);
  EXPECT_EQ(udp->length(), 13);
  EXPECT_EQ(udp->checksum(), 0x301f);
  ASSERT_EQ(udp->payload().size(), 5u);
  EXPECT_EQ(udp->payload()[0], 'h');
  EXPECT_EQ(udp->payload()[4], 'o');
}

TEST(UdpTest, PayloadStopsAtLength) {
  std::vector<uint8_t> d = kDatagram;
  d.push_back(0);
  Result<Udp> udp = Udp::Parse(d);
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->payload().size(), 5u);
}

TEST(UdpTest, BuildWithSettersAndReparse) {
  std::array<uint8_t, 12> buf{};
  MutableUdp udp(buf);
  udp.SetSrcPort(68);
  udp.SetDstPort(67);
  udp.SetLength(12);
  udp.payload()[3] = 0x42;
  Ipv4Address src = *Ipv4Address::Parse("198.18.0.1");
  Ipv4Address dst = *Ipv4Address::Parse("198.18.0.2");
  udp.SetChecksum(UdpChecksum(src, dst, buf));

  Result<Udp> back = Udp::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->src_port(), 68);
  EXPECT_EQ(back->dst_port(), 67);
  EXPECT_EQ(back->length(), 12);
  EXPECT_NE(back->checksum(), 0);
  EXPECT_EQ(back->payload()[3], 0x42);
  EXPECT_TRUE(VerifyUdpChecksum(src, dst, buf));
  EXPECT_EQ(buf[0], 0);
  EXPECT_EQ(buf[1], 68);
}

TEST(UdpTest, RejectsTruncated) {
  for (size_t n = 0; n < kUdpMinimumSize; ++n) {
    EXPECT_TRUE(IsMalformed(Udp::Parse(std::span(kDatagram).first(n)),
                            "udp: truncated"))
        << n;
  }
}

TEST(UdpTest, RejectsBadLength) {
  std::vector<uint8_t> d = kDatagram;
  d[5] = 7;
  EXPECT_TRUE(IsMalformed(Udp::Parse(d), "udp: bad length"));
  d[5] = 14;
  EXPECT_TRUE(IsMalformed(Udp::Parse(d), "udp: length exceeds buffer"));
  // Unchecked, the payload is clamped to the buffer.
  EXPECT_EQ(Udp(d).payload().size(), 5u);
}

}  // namespace
}  // namespace fdlink::header
