#include "fdlink/header/ndp.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv6.h"
#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;
using Mac = std::array<uint8_t, 6>;

Ipv6Address V6(const char* s) { return *Ipv6Address::Parse(s); }

// NS from 2001:db8::1 to ff02::1:ff00:2 for target 2001:db8::2 with a
// source link-layer address option 02:00:00:00:00:01; checksum 1c27.
const std::vector<uint8_t> kSolicitation = {
    135,  0,    0x1c, 0x27, 0,    0,    0,    0,      // type, code, csum
    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,      // target
    0,    0,    0,    0,    0,    0,    0,    2,      //
    1,    1,    0x02, 0x00, 0x00, 0x00, 0x00, 0x01};  // SLLA option

// NA from 2001:db8::2 to 2001:db8::1, S|O, target 2001:db8::2 with a target
// link-layer address option 02:00:00:00:00:02; checksum 8a71.
const std::vector<uint8_t> kAdvertisement = {
    136,  0,    0x8a, 0x71, 0x60, 0,    0,    0,  //
    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,  //
    0,    0,    0,    0,    0,    0,    0,    2,  //
    2,    1,    0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

TEST(NdpTest, ParsesNeighborSolicitation) {
  Result<NdpNeighbor> ns = NdpNeighbor::Parse(kSolicitation);
  ASSERT_TRUE(ns) << ns.error().ToString();
  EXPECT_EQ(ns->type(), icmpv6_type::kNeighborSolicitation);
  EXPECT_EQ(ns->code(), 0);
  EXPECT_EQ(ns->checksum(), 0x1c27);
  EXPECT_EQ(ns->flags(), 0);
  EXPECT_EQ(ns->target(), V6("2001:db8::2"));
  EXPECT_EQ(ns->options_bytes().size(), 8u);
  EXPECT_EQ(ns->options().LinkLayerAddress(ndp_option::kSourceLinkLayerAddress),
            (Mac{2, 0, 0, 0, 0, 1}));
  EXPECT_FALSE(
      ns->options().LinkLayerAddress(ndp_option::kTargetLinkLayerAddress));
  EXPECT_TRUE(VerifyIcmpv6Checksum(V6("2001:db8::1"), V6("ff02::1:ff00:2"),
                                   ns->bytes()));
}

TEST(NdpTest, ParsesNeighborAdvertisement) {
  Result<NdpNeighbor> na = NdpNeighbor::Parse(kAdvertisement);
  ASSERT_TRUE(na) << na.error().ToString();
  EXPECT_EQ(na->type(), icmpv6_type::kNeighborAdvertisement);
  EXPECT_EQ(na->flags(), kNdpFlagSolicited | kNdpFlagOverride);
  EXPECT_FALSE(na->router());
  EXPECT_TRUE(na->solicited());
  EXPECT_TRUE(na->override_flag());
  EXPECT_EQ(na->target(), V6("2001:db8::2"));
  EXPECT_EQ(na->options().LinkLayerAddress(ndp_option::kTargetLinkLayerAddress),
            (Mac{2, 0, 0, 0, 0, 2}));
  EXPECT_TRUE(
      VerifyIcmpv6Checksum(V6("2001:db8::2"), V6("2001:db8::1"), na->bytes()));
}

TEST(NdpTest, NoOptions) {
  Result<NdpNeighbor> ns =
      NdpNeighbor::Parse(std::span(kSolicitation).first(24));
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->options().begin(), ns->options().end());
  EXPECT_FALSE(
      ns->options().LinkLayerAddress(ndp_option::kSourceLinkLayerAddress));
}

TEST(NdpTest, IteratesOptions) {
  // A 16-byte unknown option (type 14, nonce-like), then an SLLA option.
  std::vector<uint8_t> opts = {14, 2, 1,   2,   3,   4,   5,   6,
                               7,  8, 9,   10,  11,  12,  13,  14,
                               1,  1, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf};
  ASSERT_TRUE(internal::ValidateNdpOptions(opts));
  NdpOptions options(opts);
  std::vector<NdpOption> seen(options.begin(), options.end());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].type, 14);
  EXPECT_EQ(seen[0].body.size(), 14u);
  EXPECT_EQ(seen[0].body[0], 1);
  EXPECT_EQ(seen[1].type, 1);
  EXPECT_EQ(seen[1].body.size(), 6u);
  EXPECT_EQ(options.LinkLayerAddress(1), (Mac{0xa, 0xb, 0xc, 0xd, 0xe, 0xf}));
}

TEST(NdpTest, IterationStopsSafelyOnBadOptions) {
  // Unchecked bytes: a good option, then a zero-length one.
  std::vector<uint8_t> zero = {1, 1, 1, 2, 3, 4, 5, 6, 9, 0, 0, 0};
  NdpOptions a(zero);
  EXPECT_EQ(std::distance(a.begin(), a.end()), 1);
  // An option claiming 16 bytes with 8 present yields nothing.
  std::vector<uint8_t> runs_off = {1, 2, 1, 2, 3, 4, 5, 6};
  NdpOptions b(runs_off);
  EXPECT_EQ(b.begin(), b.end());
}

TEST(NdpTest, BuildAdvertisementAndReparse) {
  std::array<uint8_t, 32> buf{};
  MutableNdpNeighbor na(buf);
  na.SetType(icmpv6_type::kNeighborAdvertisement);
  na.SetCode(0);
  na.SetFlags(kNdpFlagSolicited | kNdpFlagOverride);
  na.SetTarget(V6("2001:db8::2"));
  const Mac mac = {0x02, 0, 0, 0, 0, 0x02};
  WriteNdpLinkLayerAddressOption(
      std::span(buf).subspan<24, kNdpLinkLayerAddressOptionSize>(),
      ndp_option::kTargetLinkLayerAddress, mac);
  na.SetChecksum(Icmpv6Checksum(V6("2001:db8::2"), V6("2001:db8::1"), buf));

  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.end()), kAdvertisement);
  Result<NdpNeighbor> back = NdpNeighbor::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->options().LinkLayerAddress(2), mac);
  NdpNeighbor readonly = na;
  EXPECT_TRUE(readonly.solicited());
  na.SetFlags(kNdpFlagRouter);
  EXPECT_TRUE(na.router());
  EXPECT_FALSE(na.solicited());
}

TEST(NdpTest, RejectsTruncated) {
  for (size_t n = 0; n < kNdpNeighborMinimumSize; ++n) {
    EXPECT_TRUE(
        IsMalformed(NdpNeighbor::Parse(std::span(kSolicitation).first(n)),
                    "ndp: truncated"))
        << n;
  }
}

TEST(NdpTest, RejectsOtherMessages) {
  std::vector<uint8_t> b = kSolicitation;
  b[0] = icmpv6_type::kEchoRequest;
  EXPECT_TRUE(
      IsMalformed(NdpNeighbor::Parse(b), "ndp: not a neighbor message"));
  b[0] = icmpv6_type::kRouterSolicitation;
  EXPECT_TRUE(
      IsMalformed(NdpNeighbor::Parse(b), "ndp: not a neighbor message"));
}

TEST(NdpTest, RejectsBadCode) {
  std::vector<uint8_t> b = kSolicitation;
  b[1] = 1;
  EXPECT_TRUE(IsMalformed(NdpNeighbor::Parse(b), "ndp: bad code"));
}

TEST(NdpTest, RejectsZeroLengthOption) {
  std::vector<uint8_t> b = kSolicitation;
  b[25] = 0;
  EXPECT_TRUE(IsMalformed(NdpNeighbor::Parse(b), "ndp: zero-length option"));
}

TEST(NdpTest, RejectsTruncatedOptions) {
  // Option length 2 (16 bytes) with 8 present.
  std::vector<uint8_t> b = kSolicitation;
  b[25] = 2;
  EXPECT_TRUE(IsMalformed(NdpNeighbor::Parse(b), "ndp: truncated option"));
  // A lone type byte after the last option.
  b = kSolicitation;
  b.push_back(1);
  EXPECT_TRUE(IsMalformed(NdpNeighbor::Parse(b), "ndp: truncated option"));
  // Cut in the middle of an option.
  EXPECT_TRUE(
      IsMalformed(NdpNeighbor::Parse(std::span(kSolicitation).first(30)),
                  "ndp: truncated option"));
}

}  // namespace
}  // namespace fdlink::header
