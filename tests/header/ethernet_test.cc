#include "fdlink/header/ethernet.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;
using Mac = std::array<uint8_t, 6>;

// An ARP-carrying broadcast frame header followed by two payload bytes.
const std::vector<uint8_t> kFrame = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // dst
                                     0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // src
                                     0x08, 0x06,                          // ARP
                                     0xaa, 0xbb};

TEST(EthernetTest, ParsesRealFrame) {
  Result<Ethernet> eth = Ethernet::Parse(kFrame);
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->dst(), kEthernetBroadcast);
  EXPECT_EQ(eth->src(), (Mac{0x02, 0, 0, 0, 0, 0x01}));
  EXPECT_EQ(eth->ether_type(), ether_type::kARP);
  ASSERT_EQ(eth->payload().size(), 2u);
  EXPECT_EQ(eth->payload()[0], 0xaa);
  EXPECT_EQ(eth->size(), kFrame.size());
}

TEST(EthernetTest, HeaderOnlyFrameHasEmptyPayload) {
  Result<Ethernet> eth =
      Ethernet::Parse(std::span(kFrame).first(kEthernetHeaderSize));
  ASSERT_TRUE(eth);
  EXPECT_TRUE(eth->payload().empty());
}

TEST(EthernetTest, BuildWithSettersAndReparse) {
  std::array<uint8_t, 20> buf{};
  MutableEthernet eth(buf);
  const Mac dst = {0x33, 0x33, 0, 0, 0, 0x01};
  const Mac src = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  eth.SetDst(dst);
  eth.SetSrc(src);
  eth.SetEtherType(ether_type::kIPv6);
  eth.payload()[0] = 0x60;

  Result<Ethernet> back = Ethernet::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->dst(), dst);
  EXPECT_EQ(back->src(), src);
  EXPECT_EQ(back->ether_type(), 0x86dd);
  EXPECT_EQ(buf[12], 0x86);
  EXPECT_EQ(buf[13], 0xdd);
  EXPECT_EQ(back->payload()[0], 0x60);
  Ethernet readonly = eth;  // Mutable converts to read-only.
  EXPECT_EQ(readonly.src(), src);
}

TEST(EthernetTest, RejectsTruncated) {
  for (size_t n = 0; n < kEthernetHeaderSize; ++n) {
    EXPECT_TRUE(IsMalformed(Ethernet::Parse(std::span(kFrame).first(n)),
                            "ethernet: truncated"))
        << n;
  }
}

TEST(EthernetTest, GroupAddresses) {
  EXPECT_TRUE(IsGroupAddress(kEthernetBroadcast));
  EXPECT_TRUE(IsGroupAddress(Mac{0x33, 0x33, 0, 0, 0, 1}));
  EXPECT_TRUE(IsGroupAddress(Mac{0x01, 0x00, 0x5e, 0, 0, 1}));
  EXPECT_FALSE(IsGroupAddress(Mac{0x02, 0, 0, 0, 0, 1}));
  EXPECT_FALSE(IsGroupAddress(Mac{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff}));
}

TEST(EthernetTest, Constants) {
  EXPECT_EQ(kEthernetHeaderSize, 14u);
  EXPECT_EQ(ether_type::kIPv4, 0x0800);
  EXPECT_EQ(ether_type::kARP, 0x0806);
  EXPECT_EQ(ether_type::kIPv6, 0x86dd);
}

}  // namespace
}  // namespace fdlink::header
