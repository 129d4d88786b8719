#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;

// Echo request ident 0x1234 seq 1 "abcdefgh"; checksum 5435.
const std::vector<uint8_t> kEcho4 = {0x08, 0x00, 0x54, 0x35, 0x12, 0x34,
                                     0x00, 0x01, 'a',  'b',  'c',  'd',
                                     'e',  'f',  'g',  'h'};
// The same over ICMPv6 from 2001:db8::1 to 2001:db8::2; checksum 8075.
const std::vector<uint8_t> kEcho6 = {0x80, 0x00, 0x80, 0x75, 0x12, 0x34,
                                     0x00, 0x01, 'a',  'b',  'c',  'd',
                                     'e',  'f',  'g',  'h'};

TEST(Icmpv4Test, ParsesEchoRequest) {
  Result<Icmpv4> icmp = Icmpv4::Parse(kEcho4);
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->type(), icmpv4_type::kEchoRequest);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(icmp->checksum(), 0x5435);
  EXPECT_EQ(icmp->ident(), 0x1234);
  EXPECT_EQ(icmp->sequence(), 1);
  EXPECT_EQ(icmp->rest_of_header(), 0x12340001u);
  ASSERT_EQ(icmp->payload().size(), 8u);
  EXPECT_EQ(icmp->payload()[0], 'a');
  EXPECT_TRUE(VerifyIcmpv4Checksum(icmp->bytes()));
}

TEST(Icmpv4Test, BuildEchoReplyAndReparse) {
  std::vector<uint8_t> buf = kEcho4;
  MutableIcmpv4 icmp(buf);
  icmp.SetType(icmpv4_type::kEchoReply);
  icmp.SetChecksum(Icmpv4Checksum(buf));
  Result<Icmpv4> back = Icmpv4::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->type(), 0);
  EXPECT_EQ(back->ident(), 0x1234);
  EXPECT_EQ(back->sequence(), 1);
  // Type 8 -> 0 lowers the first word by 0x0800, so the checksum rises.
  EXPECT_EQ(back->checksum(), 0x5c35);
  EXPECT_TRUE(VerifyIcmpv4Checksum(buf));

  icmp.SetCode(3);
  icmp.SetIdent(0xbeef);
  icmp.SetSequence(0xcafe);
  EXPECT_EQ(icmp.rest_of_header(), 0xbeefcafeu);
  icmp.SetRestOfHeader(0x000005dc);
  EXPECT_EQ(icmp.sequence(), 1500);
  EXPECT_EQ(icmp.code(), 3);
}

TEST(Icmpv4Test, Constants) {
  EXPECT_EQ(icmpv4_type::kEchoRequest, 8);
  EXPECT_EQ(icmpv4_type::kEchoReply, 0);
}

TEST(Icmpv4Test, RejectsTruncated) {
  for (size_t n = 0; n < kIcmpv4MinimumSize; ++n) {
    EXPECT_TRUE(IsMalformed(Icmpv4::Parse(std::span(kEcho4).first(n)),
                            "icmpv4: truncated"))
        << n;
  }
  EXPECT_TRUE(Icmpv4::Parse(std::span(kEcho4).first(8)));
}

TEST(Icmpv6Test, ParsesEchoRequest) {
  Result<Icmpv6> icmp = Icmpv6::Parse(kEcho6);
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->type(), icmpv6_type::kEchoRequest);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(icmp->checksum(), 0x8075);
  EXPECT_EQ(icmp->ident(), 0x1234);
  EXPECT_EQ(icmp->sequence(), 1);
  EXPECT_EQ(icmp->payload().size(), 8u);
  EXPECT_TRUE(VerifyIcmpv6Checksum(*Ipv6Address::Parse("2001:db8::1"),
                                   *Ipv6Address::Parse("2001:db8::2"),
                                   icmp->bytes()));
}

TEST(Icmpv6Test, BuildEchoReplyAndReparse) {
  std::vector<uint8_t> buf = kEcho6;
  MutableIcmpv6 icmp(buf);
  icmp.SetType(icmpv6_type::kEchoReply);
  Ipv6Address a = *Ipv6Address::Parse("2001:db8::2");
  Ipv6Address b = *Ipv6Address::Parse("2001:db8::1");
  icmp.SetChecksum(Icmpv6Checksum(a, b, buf));
  Result<Icmpv6> back = Icmpv6::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->type(), 129);
  EXPECT_TRUE(VerifyIcmpv6Checksum(a, b, buf));
  // Swapping the addresses leaves the pseudo-header sum unchanged, so only
  // the type change (+0x0100 in the first word) moves the checksum.
  EXPECT_EQ(back->checksum(), 0x7f75);
  Icmpv6 readonly = icmp;
  EXPECT_EQ(readonly.type(), 129);
}

TEST(Icmpv6Test, Constants) {
  EXPECT_EQ(icmpv6_type::kEchoRequest, 128);
  EXPECT_EQ(icmpv6_type::kEchoReply, 129);
  EXPECT_EQ(icmpv6_type::kNeighborSolicitation, 135);
  EXPECT_EQ(icmpv6_type::kNeighborAdvertisement, 136);
}

TEST(Icmpv6Test, RejectsTruncated) {
  for (size_t n = 0; n < kIcmpv6MinimumSize; ++n) {
    EXPECT_TRUE(IsMalformed(Icmpv6::Parse(std::span(kEcho6).first(n)),
                            "icmpv6: truncated"))
        << n;
  }
}

}  // namespace
}  // namespace fdlink::header
