#include "fdlink/header/ipv4.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fdlink/header/ip_protocols.h"
#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;

// A well-known UDP packet header (checksum b861) with its 95-byte payload.
std::vector<uint8_t> RealPacket() {
  std::vector<uint8_t> p = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                            0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  for (int i = 0; i < 95; ++i) p.push_back(static_cast<uint8_t>(i));
  return p;
}

TEST(Ipv4Test, ParsesRealPacket) {
  std::vector<uint8_t> p = RealPacket();
  Result<Ipv4> ip = Ipv4::Parse(p);
  ASSERT_TRUE(ip) << ip.error().ToString();
  EXPECT_EQ(ip->version(), 4);
  EXPECT_EQ(ip->header_length(), 20u);
  EXPECT_EQ(ip->tos(), 0);
  EXPECT_EQ(ip->total_length(), 115);
  EXPECT_EQ(ip->id(), 0);
  EXPECT_EQ(ip->flags(), kIpv4FlagDontFragment);
  EXPECT_TRUE(ip->dont_fragment());
  EXPECT_FALSE(ip->more_fragments());
  EXPECT_EQ(ip->fragment_offset(), 0);
  EXPECT_FALSE(ip->IsFragment());
  EXPECT_EQ(ip->ttl(), 64);
  EXPECT_EQ(ip->protocol(), ip_proto::kUdp);
  EXPECT_EQ(ip->checksum(), 0xb861);
  EXPECT_EQ(ip->src().ToString(), "192.168.0.1");
  EXPECT_EQ(ip->dst().ToString(), "192.168.0.199");
  EXPECT_TRUE(ip->options().empty());
  EXPECT_EQ(ip->header().size(), 20u);
  ASSERT_EQ(ip->payload().size(), 95u);
  EXPECT_EQ(ip->payload()[0], 0);
  EXPECT_EQ(ip->payload()[94], 94);
  EXPECT_EQ(ip->CalculateChecksum(), 0xb861);
  EXPECT_TRUE(ip->IsChecksumValid());
}

TEST(Ipv4Test, PayloadStopsAtTotalLength) {
  std::vector<uint8_t> p = RealPacket();
  p.resize(p.size() + 10, 0xee);  // Link-layer padding.
  Result<Ipv4> ip = Ipv4::Parse(p);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->payload().size(), 95u);
  EXPECT_EQ(ip->bytes().size(), 125u);
}

TEST(Ipv4Test, DetectsCorruptChecksum) {
  std::vector<uint8_t> p = RealPacket();
  p[8] = 63;  // TTL changed without updating the checksum.
  Ipv4 ip(p);
  EXPECT_FALSE(ip.IsChecksumValid());
  EXPECT_NE(ip.CalculateChecksum(), ip.checksum());
}

TEST(Ipv4Test, OptionsAndFragmentFields) {
  // IHL 6 with a 4-byte option (router alert), a middle fragment at
  // offset 1480 with MF set.
  std::vector<uint8_t> p = {0x46, 0xb8, 0x00, 0x1c, 0xab, 0xcd, 0x20,
                            0xb9, 0x01, 0x06, 0x00, 0x00, 198,  18,
                            0,    1,    198,  18,   0,    2,    0x94,
                            0x04, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef};
  Result<Ipv4> ip = Ipv4::Parse(p);
  ASSERT_TRUE(ip) << ip.error().ToString();
  EXPECT_EQ(ip->header_length(), 24u);
  EXPECT_EQ(ip->tos(), 0xb8);
  EXPECT_EQ(ip->id(), 0xabcd);
  EXPECT_EQ(ip->flags(), kIpv4FlagMoreFragments);
  EXPECT_TRUE(ip->more_fragments());
  EXPECT_FALSE(ip->dont_fragment());
  EXPECT_EQ(ip->fragment_offset(), 185 * 8);
  EXPECT_TRUE(ip->IsFragment());
  ASSERT_EQ(ip->options().size(), 4u);
  EXPECT_EQ(ip->options()[0], 0x94);
  ASSERT_EQ(ip->payload().size(), 4u);
  EXPECT_EQ(ip->payload()[0], 0xde);
  EXPECT_EQ(ip->header().size(), 24u);

  // The last fragment: MF clear but a non-zero offset is still a fragment.
  p[6] = 0x00;
  EXPECT_TRUE(Ipv4(p).IsFragment());
  EXPECT_FALSE(Ipv4(p).more_fragments());
  // The first fragment: offset 0 with MF set.
  p[6] = 0x20;
  p[7] = 0x00;
  EXPECT_TRUE(Ipv4(p).IsFragment());
  EXPECT_EQ(Ipv4(p).fragment_offset(), 0);
}

TEST(Ipv4Test, BuildWithSettersAndReparse) {
  std::array<uint8_t, 32> buf{};
  MutableIpv4 ip(buf);
  ip.SetVersion(4);
  ip.SetHeaderLength(24);
  ip.SetTos(0x10);
  ip.SetTotalLength(30);
  ip.SetId(0x1234);
  ip.SetDontFragment(true);
  ip.SetFragmentOffset(0);
  ip.SetTtl(64);
  ip.SetProtocol(ip_proto::kTcp);
  ip.SetSrc(*Ipv4Address::Parse("198.18.0.1"));
  ip.SetDst(*Ipv4Address::Parse("198.19.0.9"));
  ip.options()[0] = 0x01;  // NOP options.
  ip.options()[3] = 0x01;
  ip.payload()[0] = 0x77;
  ip.UpdateChecksum();

  Result<Ipv4> back = Ipv4::Parse(buf);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->version(), 4);
  EXPECT_EQ(back->header_length(), 24u);
  EXPECT_EQ(back->tos(), 0x10);
  EXPECT_EQ(back->total_length(), 30);
  EXPECT_EQ(back->id(), 0x1234);
  EXPECT_TRUE(back->dont_fragment());
  EXPECT_FALSE(back->IsFragment());
  EXPECT_EQ(back->ttl(), 64);
  EXPECT_EQ(back->protocol(), ip_proto::kTcp);
  EXPECT_EQ(back->src().ToString(), "198.18.0.1");
  EXPECT_EQ(back->dst().ToString(), "198.19.0.9");
  EXPECT_EQ(back->payload().size(), 6u);
  EXPECT_EQ(back->payload()[0], 0x77);
  EXPECT_TRUE(back->IsChecksumValid());
  EXPECT_EQ(buf[0], 0x46);
  EXPECT_EQ(buf[6], 0x40);  // DF.
}

TEST(Ipv4Test, FlagAndOffsetSettersKeepEachOther) {
  std::array<uint8_t, 20> buf{};
  MutableIpv4 ip(buf);
  ip.SetFragmentOffset(8 * 0x1fff);
  ip.SetMoreFragments(true);
  ip.SetDontFragment(true);
  EXPECT_EQ(ip.fragment_offset(), 8 * 0x1fff);
  EXPECT_EQ(ip.flags(), kIpv4FlagDontFragment | kIpv4FlagMoreFragments);
  ip.SetDontFragment(false);
  EXPECT_EQ(ip.flags(), kIpv4FlagMoreFragments);
  EXPECT_EQ(ip.fragment_offset(), 8 * 0x1fff);
  ip.SetFragmentOffset(16);
  EXPECT_TRUE(ip.more_fragments());
  EXPECT_EQ(buf[6], 0x20);
  EXPECT_EQ(buf[7], 0x02);
  ip.SetFlags(0);
  EXPECT_EQ(ip.fragment_offset(), 16);
  ip.SetVersion(4);
  ip.SetHeaderLength(60);
  EXPECT_EQ(buf[0], 0x4f);
  ip.SetVersion(6);
  EXPECT_EQ(ip.header_length(), 60u);
}

TEST(Ipv4Test, RejectsTruncated) {
  std::vector<uint8_t> p = RealPacket();
  for (size_t n = 0; n < kIpv4MinimumSize; ++n) {
    EXPECT_TRUE(
        IsMalformed(Ipv4::Parse(std::span(p).first(n)), "ipv4: truncated"))
        << n;
  }
}

TEST(Ipv4Test, RejectsBadVersion) {
  std::vector<uint8_t> p = RealPacket();
  p[0] = 0x65;
  EXPECT_TRUE(IsMalformed(Ipv4::Parse(p), "ipv4: bad version"));
}

TEST(Ipv4Test, RejectsBadIhl) {
  std::vector<uint8_t> p = RealPacket();
  for (uint8_t ihl = 0; ihl < 5; ++ihl) {
    p[0] = static_cast<uint8_t>(0x40 | ihl);
    EXPECT_TRUE(IsMalformed(Ipv4::Parse(p), "ipv4: bad ihl")) << int{ihl};
  }
}

TEST(Ipv4Test, RejectsHeaderLongerThanBuffer) {
  std::vector<uint8_t> p = RealPacket();
  p[0] = 0x4f;  // 60-byte header in a 24-byte buffer.
  p[2] = 0;
  p[3] = 24;
  EXPECT_TRUE(IsMalformed(Ipv4::Parse(std::span(p).first(24)),
                          "ipv4: header truncated"));
}

TEST(Ipv4Test, RejectsTotalLengthBelowHeader) {
  std::vector<uint8_t> p = RealPacket();
  p[2] = 0;
  p[3] = 19;
  EXPECT_TRUE(
      IsMalformed(Ipv4::Parse(p), "ipv4: total length below header length"));
  p[0] = 0x46;  // 24-byte header, total length 20.
  p[3] = 20;
  EXPECT_TRUE(
      IsMalformed(Ipv4::Parse(p), "ipv4: total length below header length"));
}

TEST(Ipv4Test, RejectsTotalLengthBeyondBuffer) {
  std::vector<uint8_t> p = RealPacket();
  EXPECT_TRUE(IsMalformed(Ipv4::Parse(std::span(p).first(p.size() - 1)),
                          "ipv4: total length exceeds buffer"));
}

TEST(Ipv4Test, UncheckedViewClampsToBuffer) {
  std::vector<uint8_t> p = RealPacket();
  p.resize(30);  // total_length still says 115.
  Ipv4 ip(p);
  EXPECT_EQ(ip.payload().size(), 10u);
  p[0] = 0x4f;  // IHL beyond the buffer.
  EXPECT_EQ(Ipv4(p).options().size(), 10u);
  EXPECT_TRUE(Ipv4(p).payload().empty());
  p[0] = 0x41;  // IHL below the minimum.
  EXPECT_TRUE(Ipv4(p).options().empty());
}

}  // namespace
}  // namespace fdlink::header
