#include "fdlink/header/virtio_net.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;

// NEEDS_CSUM, TCPv6 GSO, hdr_len 86, gso_size 1440, csum_start 54,
// csum_offset 16, all little-endian.
const std::vector<uint8_t> kHeader = {0x01, 0x04, 0x56, 0x00, 0xa0,
                                      0x05, 0x36, 0x00, 0x10, 0x00};

TEST(VirtioNetTest, ParsesLittleEndianFields) {
  Result<VirtioNetHeader> h = VirtioNetHeader::Parse(kHeader);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->flags(), virtio_net::kFlagNeedsCsum);
  EXPECT_EQ(h->gso_type(), virtio_net::kGsoTcpV6);
  EXPECT_EQ(h->hdr_len(), 86);
  EXPECT_EQ(h->gso_size(), 1440);
  EXPECT_EQ(h->csum_start(), 54);
  EXPECT_EQ(h->csum_offset(), 16);
}

TEST(VirtioNetTest, BuildWithSettersAndReparse) {
  std::array<uint8_t, kVirtioNetHeaderSize> buf{};
  MutableVirtioNetHeader h(buf);
  h.SetFlags(virtio_net::kFlagNeedsCsum);
  h.SetGsoType(virtio_net::kGsoTcpV6);
  h.SetHdrLen(86);
  h.SetGsoSize(1440);
  h.SetCsumStart(54);
  h.SetCsumOffset(16);
  EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.end()), kHeader);

  h.SetFlags(virtio_net::kFlagDataValid);
  h.SetGsoType(virtio_net::kGsoTcpV4 | virtio_net::kGsoEcn);
  h.SetGsoSize(0x1234);
  Result<VirtioNetHeader> back = VirtioNetHeader::Parse(buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->flags(), 2);
  EXPECT_EQ(back->gso_type(), 0x81);
  EXPECT_EQ(back->gso_size(), 0x1234);
  EXPECT_EQ(buf[4], 0x34);
  EXPECT_EQ(buf[5], 0x12);
}

TEST(VirtioNetTest, Constants) {
  EXPECT_EQ(kVirtioNetHeaderSize, 10u);
  EXPECT_EQ(virtio_net::kGsoNone, 0);
  EXPECT_EQ(virtio_net::kGsoUdp, 3);
  EXPECT_EQ(virtio_net::kGsoEcn, 0x80);
}

TEST(VirtioNetTest, RejectsTruncated) {
  for (size_t n = 0; n < kVirtioNetHeaderSize; ++n) {
    EXPECT_TRUE(IsMalformed(VirtioNetHeader::Parse(std::span(kHeader).first(n)),
                            "virtio_net: truncated"))
        << n;
  }
}

}  // namespace
}  // namespace fdlink::header
