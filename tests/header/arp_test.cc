#include "fdlink/header/arp.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;
using Mac = std::array<uint8_t, 6>;

// who-has 198.18.0.2 tell 198.18.0.1 (02:00:00:00:00:01).
const std::vector<uint8_t> kRequest = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,  // eth/ipv4, request
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,              // sender MAC
    198,  18,   0,    1,                             // sender IP
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,              // target MAC
    198,  18,   0,    2};                            // target IP

TEST(ArpTest, ParsesRealRequest) {
  Result<Arp> arp = Arp::Parse(kRequest);
  ASSERT_TRUE(arp);
  EXPECT_EQ(arp->hardware_type(), 1);
  EXPECT_EQ(arp->protocol_type(), 0x0800);
  EXPECT_EQ(arp->hardware_length(), 6);
  EXPECT_EQ(arp->protocol_length(), 4);
  EXPECT_EQ(arp->op(), arp_op::kRequest);
  EXPECT_EQ(arp->sender_hardware_address(), (Mac{2, 0, 0, 0, 0, 1}));
  EXPECT_EQ(arp->sender_protocol_address().ToString(), "198.18.0.1");
  EXPECT_EQ(arp->target_hardware_address(), (Mac{}));
  EXPECT_EQ(arp->target_protocol_address().ToString(), "198.18.0.2");
}

TEST(ArpTest, AcceptsTrailingPadding) {
  std::vector<uint8_t> padded = kRequest;
  padded.resize(46);  // Minimum Ethernet payload.
  EXPECT_TRUE(Arp::Parse(padded));
}

TEST(ArpTest, BuildReplyAndReparse) {
  std::array<uint8_t, kArpSize> buf{};
  MutableArp arp(buf);
  Arp request(kRequest);
  arp.SetIpv4OverEthernet();
  arp.SetOp(arp_op::kReply);
  const Mac mine = {0x02, 0, 0, 0, 0, 0x02};
  arp.SetSenderHardwareAddress(mine);
  arp.SetSenderProtocolAddress(request.target_protocol_address());
  arp.SetTargetHardwareAddress(request.sender_hardware_address());
  arp.SetTargetProtocolAddress(request.sender_protocol_address());

  // Same as the request with op 2 and the two address pairs swapped.
  std::vector<uint8_t> want = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00,
                               0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
                               198,  18,   0,    2,    0x02, 0x00, 0x00,
                               0x00, 0x00, 0x01, 198,  18,   0,    1};
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.end()), want);
  Result<Arp> back = Arp::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->op(), arp_op::kReply);
  EXPECT_EQ(back->sender_hardware_address(), mine);
}

TEST(ArpTest, RejectsTruncated) {
  for (size_t n = 0; n < kArpSize; ++n) {
    EXPECT_TRUE(
        IsMalformed(Arp::Parse(std::span(kRequest).first(n)), "arp: truncated"))
        << n;
  }
}

TEST(ArpTest, RejectsOtherThanEthernetIpv4) {
  // Corrupt hardware type, protocol type, hlen and plen in turn.
  for (size_t i : {1u, 2u, 4u, 5u}) {
    std::vector<uint8_t> b = kRequest;
    b[i] ^= 0x10;
    EXPECT_TRUE(IsMalformed(Arp::Parse(b), "arp: not ethernet/ipv4")) << i;
  }
}

}  // namespace
}  // namespace fdlink::header
