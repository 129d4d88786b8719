#include "fdlink/header/tcp.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fdlink/header/checksum.h"
#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;

// SYN 198.18.0.1:40000 -> 198.18.0.2:80, seq 0x01020304, window 64240,
// MSS 1460 option; checksum 7077.
const std::vector<uint8_t> kSyn = {
    0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x60, 0x02, 0xfa, 0xf0, 0x70, 0x77, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};

TEST(TcpTest, ParsesRealSyn) {
  Result<Tcp> tcp = Tcp::Parse(kSyn);
  ASSERT_TRUE(tcp) << tcp.error().ToString();
  EXPECT_EQ(tcp->src_port(), 40000);
  EXPECT_EQ(tcp->dst_port(), 80);
  EXPECT_EQ(tcp->seq(), 0x01020304u);
  EXPECT_EQ(tcp->ack(), 0u);
  EXPECT_EQ(tcp->data_offset(), 24u);
  EXPECT_EQ(tcp->flags(), tcp_flag::kSyn);
  EXPECT_EQ(tcp->window(), 64240);
  EXPECT_EQ(tcp->checksum(), 0x7077);
  EXPECT_EQ(tcp->urgent_pointer(), 0);
  ASSERT_EQ(tcp->options().size(), 4u);
  EXPECT_EQ(tcp->options()[0], 2);     // MSS kind.
  EXPECT_EQ(tcp->options()[3], 0xb4);  // 1460 & 0xff.
  EXPECT_TRUE(tcp->payload().empty());
  EXPECT_TRUE(VerifyTcpChecksum(*Ipv4Address::Parse("198.18.0.1"),
                                *Ipv4Address::Parse("198.18.0.2"),
                                tcp->bytes()));
}

TEST(TcpTest, PayloadFollowsOptions) {
  std::vector<uint8_t> seg = kSyn;
  seg.push_back('x');
  seg.push_back('y');
  Tcp tcp(seg);
  ASSERT_EQ(tcp.payload().size(), 2u);
  EXPECT_EQ(tcp.payload()[0], 'x');
}

TEST(TcpTest, BuildWithSettersAndReparse) {
  std::array<uint8_t, 23> buf{};
  MutableTcp tcp(buf);
  tcp.SetSrcPort(443);
  tcp.SetDstPort(51000);
  tcp.SetSeq(0xfffffffe);
  tcp.SetAck(0x80000001);
  tcp.SetDataOffset(20);
  tcp.SetFlags(tcp_flag::kAck | tcp_flag::kPsh | tcp_flag::kFin);
  tcp.SetWindow(0xffff);
  tcp.SetUrgentPointer(7);
  tcp.payload()[0] = 'a';
  Ipv6Address src = *Ipv6Address::Parse("2001:db8::1");
  Ipv6Address dst = *Ipv6Address::Parse("2001:db8::2");
  tcp.SetChecksum(TcpChecksum(src, dst, buf));

  Result<Tcp> back = Tcp::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->src_port(), 443);
  EXPECT_EQ(back->dst_port(), 51000);
  EXPECT_EQ(back->seq(), 0xfffffffeu);
  EXPECT_EQ(back->ack(), 0x80000001u);
  EXPECT_EQ(back->data_offset(), 20u);
  EXPECT_EQ(back->flags(), 0x19);
  EXPECT_EQ(back->window(), 0xffff);
  EXPECT_EQ(back->urgent_pointer(), 7);
  EXPECT_TRUE(back->options().empty());
  EXPECT_EQ(back->payload().size(), 3u);
  EXPECT_TRUE(VerifyTcpChecksum(src, dst, buf));
  EXPECT_EQ(buf[12], 0x50);
}

TEST(TcpTest, SetDataOffsetKeepsReservedBits) {
  std::array<uint8_t, 20> buf{};
  buf[12] = 0x01;  // The NS / AccECN bit.
  MutableTcp tcp(buf);
  tcp.SetDataOffset(60);
  EXPECT_EQ(buf[12], 0xf1);
  EXPECT_EQ(tcp.data_offset(), 60u);
}

TEST(TcpTest, FlagConstants) {
  EXPECT_EQ(tcp_flag::kFin | tcp_flag::kSyn | tcp_flag::kRst | tcp_flag::kPsh |
                tcp_flag::kAck | tcp_flag::kUrg | tcp_flag::kEce |
                tcp_flag::kCwr,
            0xff);
  EXPECT_EQ(tcp_flag::kAck, 0x10);
}

TEST(TcpTest, RejectsTruncated) {
  for (size_t n = 0; n < kTcpMinimumSize; ++n) {
    EXPECT_TRUE(
        IsMalformed(Tcp::Parse(std::span(kSyn).first(n)), "tcp: truncated"))
        << n;
  }
}

TEST(TcpTest, RejectsBadDataOffset) {
  std::vector<uint8_t> seg = kSyn;
  for (uint8_t words = 0; words < 5; ++words) {
    seg[12] = static_cast<uint8_t>(words << 4);
    EXPECT_TRUE(IsMalformed(Tcp::Parse(seg), "tcp: bad data offset"));
  }
}

TEST(TcpTest, RejectsOptionsBeyondBuffer) {
  EXPECT_TRUE(IsMalformed(Tcp::Parse(std::span(kSyn).first(23)),
                          "tcp: header truncated"));
  std::vector<uint8_t> seg = kSyn;
  seg[12] = 0xf0;
  EXPECT_TRUE(IsMalformed(Tcp::Parse(seg), "tcp: header truncated"));
  // Unchecked, the options are clamped to the buffer.
  EXPECT_EQ(Tcp(seg).options().size(), 4u);
  EXPECT_TRUE(Tcp(seg).payload().empty());
}

}  // namespace
}  // namespace fdlink::header
