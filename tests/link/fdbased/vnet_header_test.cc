// DecodeVnetHeader on its own: what it recomputes, accepts and refuses
// (the endpoint tests cover the same through a live receive loop).
#include "link/fdbased/vnet_header.h"

#include <gtest/gtest.h>

#include "fdlink/header/virtio_net.h"
#include "testing/super_packets.h"

namespace fdlink::fdbased {
namespace {

using testing::BuildSuperPacket;
using testing::SuperPacket;
using testing::SuperPacketSpec;
namespace vn = header::virtio_net;

TEST(DecodeVnetHeader, RecomputesHdrLenAndIgnoresTheEcnBit) {
  SuperPacketSpec s;
  s.tcp_options = 8;
  SuperPacket sp = BuildSuperPacket(s);
  for (uint16_t hdr_len : {0, 40, 9999}) {
    std::array<uint8_t, 10> h = testing::VnetHeaderFor(sp);
    header::MutableVirtioNetHeader v{std::span<uint8_t>(h)};
    v.SetHdrLen(hdr_len);
    v.SetGsoType(vn::kGsoTcpV4 | vn::kGsoEcn);
    std::vector<uint8_t> frame = sp.bytes;
    Result<VnetRx> r = DecodeVnetHeader(h, frame, 0);
    ASSERT_TRUE(r) << r.error().what;
    EXPECT_EQ(r->gso.type, GSOType::kTCPv4);
    EXPECT_EQ(r->gso.l3_header_len, 20);
    EXPECT_EQ(r->gso.l4_header_len, 28);
    EXPECT_EQ(r->gso.mss, s.mss);
    EXPECT_TRUE(r->gso.needs_csum);
    EXPECT_TRUE(r->checksum_trusted);
    EXPECT_EQ(frame, sp.bytes);  // A super-packet stays as it came.
  }
}

TEST(DecodeVnetHeader, PlainAndDataValidFramesAreUntouched) {
  SuperPacketSpec s;
  s.partial = false;
  SuperPacket sp = BuildSuperPacket(s);
  for (uint8_t flags : {uint8_t{0}, vn::kFlagDataValid}) {
    std::array<uint8_t, 10> h{};
    h[0] = flags;
    std::vector<uint8_t> frame = sp.bytes;
    Result<VnetRx> r = DecodeVnetHeader(h, frame, 0);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->gso.type, GSOType::kNone);
    EXPECT_EQ(r->checksum_trusted, flags != 0);
    EXPECT_EQ(frame, sp.bytes);
  }
}

TEST(DecodeVnetHeader, CsumStartCountsTheLinkHeader) {
  SuperPacketSpec s;
  s.tcp = false;
  s.payload = 300;
  SuperPacket sp = BuildSuperPacket(s);
  sp.gso.type = GSOType::kNone;
  const std::vector<uint8_t> link(14, 0xee);
  std::vector<uint8_t> frame = testing::Concat(link, sp.bytes);
  std::array<uint8_t, 10> h = testing::VnetHeaderFor(sp, true, 14);
  ASSERT_TRUE(DecodeVnetHeader(h, frame, 14));
  EXPECT_TRUE(testing::WireChecksumsValid(std::span(frame).subspan(14)));
  // csum_start inside the link header is refused, the frame left alone.
  header::MutableVirtioNetHeader{std::span<uint8_t>(h)}.SetCsumStart(10);
  std::vector<uint8_t> before = frame;
  Result<VnetRx> r = DecodeVnetHeader(h, frame, 14);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_EQ(frame, before);
  // A short header is refused too.
  EXPECT_FALSE(DecodeVnetHeader(std::span(h).first(9), frame, 14));
}

}  // namespace
}  // namespace fdlink::fdbased
