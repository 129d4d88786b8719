// PacketBuffer ownership: PacketBufferPtr, IncRef, Clone, metadata and
// reuse of pooled packets.
#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "testing/packets.h"

namespace fdlink {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes ToVec(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

void Fill(std::span<uint8_t> s, uint8_t v) {
  for (uint8_t& b : s) b = v;
}

// Slices returns the pieces ForEachSlice yields.
std::vector<std::span<const uint8_t>> Slices(const PacketBuffer& p) {
  std::vector<std::span<const uint8_t>> out;
  p.ForEachSlice([&out](std::span<const uint8_t> s) { out.push_back(s); });
  return out;
}

// SetAllMetadata gives p a non-default value for every metadata field.
void SetAllMetadata(PacketBuffer& p) {
  p.set_network_protocol(kIPv6ProtocolNumber);
  p.set_hash(0xdeadbeef);
  p.set_egress_route({.local_link_address = MacAddress({2, 0, 0, 0, 0, 1}),
                      .remote_link_address = MacAddress({2, 0, 0, 0, 0, 2})});
  p.set_gso_options({.type = GSOType::kTCPv6,
                     .needs_csum = true,
                     .csum_offset = 16,
                     .mss = 1440,
                     .l3_header_len = 40});
  p.set_rx_checksum_validated(true);
}

void ExpectAllMetadata(const PacketBuffer& p) {
  EXPECT_EQ(p.network_protocol(), kIPv6ProtocolNumber);
  EXPECT_EQ(p.hash(), 0xdeadbeefu);
  EXPECT_EQ(p.egress_route().local_link_address,
            MacAddress({2, 0, 0, 0, 0, 1}));
  EXPECT_EQ(p.egress_route().remote_link_address,
            MacAddress({2, 0, 0, 0, 0, 2}));
  EXPECT_EQ(p.gso_options().type, GSOType::kTCPv6);
  EXPECT_TRUE(p.gso_options().needs_csum);
  EXPECT_EQ(p.gso_options().csum_offset, 16);
  EXPECT_EQ(p.gso_options().mss, 1440);
  EXPECT_EQ(p.gso_options().l3_header_len, 40);
  EXPECT_TRUE(p.rx_checksum_validated());
}

void ExpectDefaultMetadata(const PacketBuffer& p) {
  EXPECT_EQ(p.network_protocol(), 0);
  EXPECT_EQ(p.hash(), 0u);
  EXPECT_TRUE(p.egress_route().local_link_address.IsZero());
  EXPECT_TRUE(p.egress_route().remote_link_address.IsZero());
  EXPECT_EQ(p.gso_options().type, GSOType::kNone);
  EXPECT_FALSE(p.gso_options().needs_csum);
  EXPECT_EQ(p.gso_options().csum_offset, 0);
  EXPECT_EQ(p.gso_options().mss, 0);
  EXPECT_EQ(p.gso_options().l3_header_len, 0);
  EXPECT_FALSE(p.rx_checksum_validated());
}

TEST(PacketBufferPtrTest, MoveTransfersOwnership) {
  PacketBufferPtr a =
      PacketBuffer::Create({.reserve_header_bytes = 8, .payload = {}});
  PacketBuffer* raw = a.get();
  ASSERT_NE(raw, nullptr);
  PacketBufferPtr b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.get(), nullptr);
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(&*b, raw);
  EXPECT_EQ(b->RefCount(), 1);
  EXPECT_EQ(PacketBuffer::LiveCount(), 1);

  PacketBufferPtr c;
  EXPECT_FALSE(c);
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(c->RefCount(), 1);
  EXPECT_EQ(PacketBuffer::LiveCount(), 1);
}

TEST(PacketBufferPtrTest, MoveAssignReleasesThePreviousPacket) {
  PacketBufferPtr a = PacketBuffer::Create({});
  PacketBufferPtr b = PacketBuffer::Create({});
  EXPECT_EQ(PacketBuffer::LiveCount(), 2);
  a = std::move(b);
  EXPECT_EQ(PacketBuffer::LiveCount(), 1);
  PacketBufferPtr& alias = a;
  a = std::move(alias);  // Self-move keeps the packet.
  EXPECT_TRUE(a);
  EXPECT_EQ(PacketBuffer::LiveCount(), 1);
}

TEST(PacketBufferPtrTest, ResetReleases) {
  PacketBufferPtr a = PacketBuffer::Create({});
  EXPECT_EQ(PacketBuffer::LiveCount(), 1);
  a.reset();
  EXPECT_FALSE(a);
  EXPECT_EQ(PacketBuffer::LiveCount(), 0);
  a.reset();  // Resetting a null pointer does nothing.
  EXPECT_FALSE(a);
  EXPECT_EQ(PacketBuffer::LiveCount(), 0);
}

TEST(PacketBufferTest, IncRefSharesTheSamePacket) {
  const Bytes payload = testing::Pattern(64);
  PacketBufferPtr a =
      PacketBuffer::Create({.reserve_header_bytes = 16, .payload = payload});
  PacketBufferPtr b = a->IncRef();
  EXPECT_EQ(b.get(), a.get());
  EXPECT_EQ(a->RefCount(), 2);
  EXPECT_EQ(PacketBuffer::LiveCount(), 1);

  // A header pushed through one owner is seen through the other.
  Fill(b->PushNetworkHeader(4), 0x77);
  EXPECT_EQ(a->HeaderSize(), 4u);

  a.reset();  // The packet lives on with b.
  EXPECT_EQ(PacketBuffer::LiveCount(), 1);
  EXPECT_EQ(b->RefCount(), 1);
  EXPECT_EQ(b->DataBytes(), payload);
  EXPECT_EQ(ToVec(b->NetworkHeader()), Bytes(4, 0x77));
  b.reset();
  EXPECT_EQ(PacketBuffer::LiveCount(), 0);
}

TEST(PacketBufferTest, CloneSharesPayloadBytes) {
  const Bytes payload = testing::Pattern(500, 11);
  PacketBufferPtr p =
      PacketBuffer::Create({.reserve_header_bytes = 64, .payload = payload});
  Fill(p->PushTransportHeader(8), 0x88);
  PacketBufferPtr c = p->Clone();
  EXPECT_NE(c.get(), p.get());
  EXPECT_EQ(c->RefCount(), 1);
  EXPECT_EQ(p->RefCount(), 1);
  EXPECT_EQ(PacketBuffer::LiveCount(), 2);

  EXPECT_EQ(c->ToBytes(), p->ToBytes());
  EXPECT_EQ(c->Size(), p->Size());
  EXPECT_EQ(c->HeaderSize(), 8u);
  EXPECT_EQ(c->AvailableHeaderBytes(), 56u);
  EXPECT_EQ(c->DataBytes(), payload);

  // The data slice is the same memory in both packets.
  auto ps = Slices(*p);
  auto cs = Slices(*c);
  ASSERT_EQ(ps.size(), 1u);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[1].data(), ps[0].data() + 8);
  EXPECT_EQ(cs[1].size(), payload.size());
  // The header is a private copy.
  EXPECT_NE(cs[0].data(), ps[0].data());
  EXPECT_EQ(ToVec(cs[0]), Bytes(8, 0x88));
}

TEST(PacketBufferTest, PushingOnACloneDoesNotChangeTheOriginal) {
  const Bytes payload = testing::Pattern(100, 5);
  PacketBufferPtr p =
      PacketBuffer::Create({.reserve_header_bytes = 64, .payload = payload});
  Fill(p->PushTransportHeader(8), 0x88);
  const Bytes original = p->ToBytes();

  PacketBufferPtr c = p->Clone();
  Fill(c->PushNetworkHeader(20), 0xc1);
  Fill(c->PushLinkHeader(14), 0xc2);
  Fill(c->TransportHeader(), 0xc3);  // Rewrite the clone's copy in place.

  EXPECT_EQ(p->ToBytes(), original);
  EXPECT_EQ(p->HeaderSize(), 8u);
  EXPECT_EQ(p->AvailableHeaderBytes(), 56u);
  EXPECT_EQ(ToVec(p->TransportHeader()), Bytes(8, 0x88));

  // And the other way round: the original's new headers stay out of the
  // clone.
  Fill(p->PushNetworkHeader(20), 0xa1);
  EXPECT_EQ(ToVec(c->NetworkHeader()), Bytes(20, 0xc1));
  EXPECT_EQ(ToVec(c->LinkHeader()), Bytes(14, 0xc2));
  EXPECT_EQ(ToVec(c->TransportHeader()), Bytes(8, 0xc3));
  EXPECT_EQ(c->DataBytes(), payload);
  EXPECT_EQ(c->Size(), 42u + payload.size());
}

TEST(PacketBufferTest, CloneOfAReceivedMultiViewPacket) {
  const Bytes frame = testing::Pattern(80, 21);
  PacketBufferPtr p =
      PacketBuffer::FromView(View::CopyOf(std::span(frame).first(30)));
  p->AppendView(View::CopyOf(std::span(frame).subspan(30)));
  ASSERT_EQ(p->ConsumeLinkHeader(14).size(), 14u);
  ASSERT_EQ(p->ConsumeNetworkHeader(20).size(), 20u);

  PacketBufferPtr c = p->Clone();
  EXPECT_EQ(c->ToBytes(), frame);
  EXPECT_EQ(c->HeaderSize(), 34u);
  EXPECT_EQ(ToVec(c->NetworkHeader()),
            Bytes(frame.begin() + 14, frame.begin() + 34));
  EXPECT_EQ(c->DataBytes(), Bytes(frame.begin() + 34, frame.end()));
  // Consuming further on the clone leaves the original as it was.
  ASSERT_EQ(c->ConsumeTransportHeader(8).size(), 8u);
  EXPECT_EQ(p->HeaderSize(), 34u);
  EXPECT_EQ(p->ToBytes(), frame);
}

TEST(PacketBufferTest, CloneCopiesMetadata) {
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = 16, .payload = testing::Pattern(10)});
  SetAllMetadata(*p);
  PacketBufferPtr c = p->Clone();
  ExpectAllMetadata(*c);
  // The copy is independent.
  c->set_hash(1);
  c->set_rx_checksum_validated(false);
  EXPECT_EQ(p->hash(), 0xdeadbeefu);
  EXPECT_TRUE(p->rx_checksum_validated());
}

TEST(PacketBufferTest, ReusedPacketStartsWithDefaultMetadata) {
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = 16, .payload = testing::Pattern(10)});
  SetAllMetadata(*p);
  ASSERT_EQ(p->PushNetworkHeader(8).size(), 8u);
  PacketBuffer* raw = p.get();
  p.reset();

  // The pool hands the same object back to this thread; it must look new.
  PacketBufferPtr q = PacketBuffer::Create({.payload = testing::Pattern(3)});
  EXPECT_EQ(q.get(), raw);
  ExpectDefaultMetadata(*q);
  EXPECT_EQ(q->RefCount(), 1);
  EXPECT_EQ(q->HeaderSize(), 0u);
  EXPECT_EQ(q->AvailableHeaderBytes(), 0u);
  EXPECT_EQ(q->Size(), 3u);
  EXPECT_EQ(q->SliceCount(), 1u);
  EXPECT_EQ(q->ToBytes(), testing::Pattern(3));
}

TEST(PacketBufferTest, NewPacketHasDefaultMetadata) {
  PacketBufferPtr p = PacketBuffer::FromView(View::CopyOf(testing::Pattern(1)));
  ExpectDefaultMetadata(*p);
}

}  // namespace
}  // namespace fdlink
