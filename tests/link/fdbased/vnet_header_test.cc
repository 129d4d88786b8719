// EncodeVnetHeader: the exact virtio-net header bytes for every GSO type,
// for raw IP and Ethernet frames, and the refusals of fields that do not
// fit. DecodeVnetHeader on its own: what it recomputes, accepts and refuses
// (the endpoint tests cover the same through a live receive loop).
#include "link/fdbased/vnet_header.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fdlink/header/virtio_net.h"
#include "testing/super_packets.h"

namespace fdlink::fdbased {
namespace {

using Bytes = std::array<uint8_t, header::kVirtioNetHeaderSize>;

// Encode runs EncodeVnetHeader into a buffer pre-filled with garbage.
Result<void> Encode(const GSOOptions& g, const VnetFrame& f, Bytes& out) {
  out.fill(0xa5);
  return EncodeVnetHeader(g, f, out);
}

TEST(VnetHeader, OrdinaryPacketIsAllZero) {
  Bytes out;
  ASSERT_TRUE(Encode({}, {.frame_size = 1500}, out).has_value());
  EXPECT_EQ(out, Bytes{});
}

TEST(VnetHeader, PartialChecksumOnly) {
  // A TCPv4 packet with a partial checksum and no GSO: NEEDS_CSUM,
  // csum_start 20 (34 behind an Ethernet header), csum_offset 16.
  const GSOOptions g{.needs_csum = true,
                     .csum_offset = 16,
                     .l3_header_len = 20,
                     .l4_header_len = 20};
  Bytes out;
  ASSERT_TRUE(Encode(g, {.frame_size = 100}, out).has_value());
  EXPECT_EQ(out, (Bytes{1, 0, 0, 0, 0, 0, 20, 0, 16, 0}));
  ASSERT_TRUE(
      Encode(g, {.link_header_size = 14, .frame_size = 114}, out).has_value());
  EXPECT_EQ(out, (Bytes{1, 0, 0, 0, 0, 0, 34, 0, 16, 0}));
}

TEST(VnetHeader, EveryGsoType) {
  struct Case {
    GSOType type;
    uint16_t l3, l4, csum_offset;
    uint8_t want_type;
  };
  for (const Case& c : {Case{GSOType::kTCPv4, 20, 32, 16, 1},
                        Case{GSOType::kTCPv6, 40, 20, 16, 4},
                        Case{GSOType::kUDPL4, 20, 8, 6, 5},
                        Case{GSOType::kUDPL4, 40, 8, 6, 5}}) {
    for (uint16_t link : {0, 14}) {
      SCOPED_TRACE(::testing::Message() << "type " << int(c.want_type) << " l3 "
                                        << c.l3 << " link " << link);
      const GSOOptions g{.type = c.type,
                         .needs_csum = true,
                         .csum_offset = c.csum_offset,
                         .mss = 1400,
                         .l3_header_len = c.l3,
                         .l4_header_len = c.l4};
      const size_t hdr = link + c.l3 + c.l4;
      Bytes out;
      ASSERT_TRUE(
          Encode(g, {.link_header_size = link, .frame_size = hdr + 4000}, out)
              .has_value());
      const uint16_t start = static_cast<uint16_t>(link + c.l3);
      // flags, gso_type, hdr_len, gso_size 1400 = 0x578, csum_start,
      // csum_offset: all little-endian.
      EXPECT_EQ(out, (Bytes{1, c.want_type, static_cast<uint8_t>(hdr), 0, 0x78,
                            0x05, static_cast<uint8_t>(start), 0,
                            static_cast<uint8_t>(c.csum_offset), 0}));
    }
  }
}

TEST(VnetHeader, PayloadThatFitsOneSegmentIsNotSegmented) {
  const GSOOptions g{.type = GSOType::kTCPv4,
                     .needs_csum = true,
                     .csum_offset = 16,
                     .mss = 1400,
                     .l3_header_len = 20,
                     .l4_header_len = 20};
  Bytes out;
  ASSERT_TRUE(Encode(g, {.frame_size = 40 + 1400}, out).has_value());
  EXPECT_EQ(out, (Bytes{1, 0, 0, 0, 0, 0, 20, 0, 16, 0}));
  ASSERT_TRUE(Encode(g, {.frame_size = 40 + 1401}, out).has_value());
  EXPECT_EQ(out[1], 1);
}

TEST(VnetHeader, WithoutL4LengthTheHeadersPushedAreHdrLen) {
  // The older GSO metadata (no l4_header_len): hdr_len is what was pushed.
  const GSOOptions g{.type = GSOType::kTCPv6,
                     .needs_csum = true,
                     .csum_offset = 16,
                     .mss = 1000,
                     .l3_header_len = 40};
  Bytes out;
  ASSERT_TRUE(Encode(g, {.frame_size = 3060, .pushed_header_size = 60}, out)
                  .has_value());
  EXPECT_EQ(out, (Bytes{1, 4, 60, 0, 0xe8, 0x03, 40, 0, 16, 0}));
}

TEST(VnetHeader, FieldsThatDoNotFitAreRefused) {
  Bytes out;
  // csum_start past 16 bits: today's wrap (65530 + 14 = 8) is an error.
  GSOOptions g{.needs_csum = true, .csum_offset = 16, .l3_header_len = 65530};
  Result<void> r =
      Encode(g, {.link_header_size = 14, .frame_size = 70000}, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(out, Bytes{});
  // The checksum field past the frame.
  g = {.needs_csum = true, .csum_offset = 16, .l3_header_len = 20};
  EXPECT_FALSE(Encode(g, {.frame_size = 37}, out).has_value());
  EXPECT_TRUE(Encode(g, {.frame_size = 38}, out).has_value());
  // A GSO type with mss 0.
  g = {.type = GSOType::kUDPL4,
       .needs_csum = true,
       .csum_offset = 6,
       .l3_header_len = 20,
       .l4_header_len = 8};
  EXPECT_FALSE(Encode(g, {.frame_size = 3000}, out).has_value());
  EXPECT_EQ(out, Bytes{});
  // hdr_len past the frame.
  g.mss = 100;
  g.l4_header_len = 60;
  EXPECT_FALSE(Encode(g, {.frame_size = 70}, out).has_value());
}

TEST(VnetHeader, PacketFormUsesThePacketsSizes) {
  std::vector<uint8_t> data(3000, 0x42);
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = 14 + 40 + 20, .payload = data});
  ASSERT_EQ(p->PushTransportHeader(20).size(), 20u);
  ASSERT_EQ(p->PushNetworkHeader(40).size(), 40u);
  ASSERT_EQ(p->PushLinkHeader(14).size(), 14u);
  p->set_gso_options({.type = GSOType::kTCPv6,
                      .needs_csum = true,
                      .csum_offset = 16,
                      .mss = 1000,
                      .l3_header_len = 40,
                      .l4_header_len = 20});
  Bytes out;
  ASSERT_TRUE(EncodeVnetHeader(*p, 14, out).has_value());
  EXPECT_EQ(out, (Bytes{1, 4, 74, 0, 0xe8, 0x03, 54, 0, 16, 0}));
}

}  // namespace
}  // namespace fdlink::fdbased

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
