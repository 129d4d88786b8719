// PacketBuffer layout: building with headroom, pushing headers on the way
// out, consuming them on the way in, and multi-view packets.
#include "fdlink/buffer/packet_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <thread>
#include <vector>

#include "testing/packets.h"

namespace fdlink {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes ToVec(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

// Concat returns a followed by b.
Bytes Concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// Fill sets every byte of s to v.
void Fill(std::span<uint8_t> s, uint8_t v) {
  for (uint8_t& b : s) b = v;
}

TEST(PacketBufferTest, CreateWithHeadroomAndPayload) {
  const Bytes payload = testing::Pattern(100, 3);
  PacketBufferPtr p =
      PacketBuffer::Create({.reserve_header_bytes = 64, .payload = payload});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Size(), 100u);
  EXPECT_EQ(p->AvailableHeaderBytes(), 64u);
  EXPECT_EQ(p->HeaderSize(), 0u);
  EXPECT_EQ(p->DataSize(), 100u);
  EXPECT_EQ(p->ToBytes(), payload);
  EXPECT_EQ(p->DataBytes(), payload);
  EXPECT_EQ(p->SliceCount(), 1u);
  EXPECT_EQ(p->RefCount(), 1);
  EXPECT_TRUE(p->LinkHeader().empty());
  EXPECT_TRUE(p->NetworkHeader().empty());
  EXPECT_TRUE(p->TransportHeader().empty());
  EXPECT_EQ(ToVec(p->Contiguous()), payload);
}

TEST(PacketBufferTest, CreateEmpty) {
  PacketBufferPtr p = PacketBuffer::Create({});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Size(), 0u);
  EXPECT_EQ(p->AvailableHeaderBytes(), 0u);
  EXPECT_EQ(p->SliceCount(), 0u);
  EXPECT_TRUE(p->ToBytes().empty());
  EXPECT_TRUE(p->PushLinkHeader(1).empty());
  EXPECT_TRUE(p->ConsumeLinkHeader(1).empty());
}

TEST(PacketBufferTest, PushHeadersInnermostFirst) {
  const Bytes payload = testing::Pattern(20, 100);
  PacketBufferPtr p =
      PacketBuffer::Create({.reserve_header_bytes = 64, .payload = payload});

  std::span<uint8_t> t = p->PushTransportHeader(8);
  ASSERT_EQ(t.size(), 8u);
  Fill(t, 0x33);
  std::span<uint8_t> n = p->PushNetworkHeader(20);
  ASSERT_EQ(n.size(), 20u);
  Fill(n, 0x22);
  std::span<uint8_t> l = p->PushLinkHeader(14);
  ASSERT_EQ(l.size(), 14u);
  Fill(l, 0x11);

  // Each header sits right in front of the previous one.
  EXPECT_EQ(n.data() + n.size(), t.data());
  EXPECT_EQ(l.data() + l.size(), n.data());

  EXPECT_EQ(p->AvailableHeaderBytes(), 64u - 42);
  EXPECT_EQ(p->HeaderSize(), 42u);
  EXPECT_EQ(p->Size(), 62u);
  EXPECT_EQ(p->DataSize(), 20u);
  EXPECT_EQ(p->DataBytes(), payload);

  Bytes want =
      Concat(Concat(Concat(Bytes(14, 0x11), Bytes(20, 0x22)), Bytes(8, 0x33)),
             payload);
  EXPECT_EQ(p->ToBytes(), want);
  EXPECT_EQ(ToVec(p->Contiguous()), want);

  // The header spans point at the pushed bytes.
  EXPECT_EQ(p->LinkHeader().data(), l.data());
  EXPECT_EQ(p->LinkHeader().size(), 14u);
  EXPECT_EQ(p->NetworkHeader().data(), n.data());
  EXPECT_EQ(p->NetworkHeader().size(), 20u);
  EXPECT_EQ(p->TransportHeader().data(), t.data());
  EXPECT_EQ(p->TransportHeader().size(), 8u);
}

TEST(PacketBufferTest, PushBeyondHeadroomReturnsEmptyAndChangesNothing) {
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = 16, .payload = testing::Pattern(10)});
  EXPECT_TRUE(p->PushNetworkHeader(17).empty());
  EXPECT_EQ(p->AvailableHeaderBytes(), 16u);
  EXPECT_EQ(p->HeaderSize(), 0u);
  EXPECT_EQ(p->Size(), 10u);

  EXPECT_EQ(p->PushNetworkHeader(10).size(), 10u);
  EXPECT_TRUE(p->PushLinkHeader(7).empty());
  EXPECT_EQ(p->PushLinkHeader(6).size(), 6u);  // Exactly the rest.
  EXPECT_EQ(p->AvailableHeaderBytes(), 0u);
  EXPECT_TRUE(p->PushLinkHeader(1).empty());
  EXPECT_EQ(p->HeaderSize(), 16u);
  EXPECT_EQ(p->LinkHeader().size(), 6u);
  EXPECT_EQ(p->NetworkHeader().size(), 10u);
}

TEST(PacketBufferTest, ConsumeHeadersOutermostFirst) {
  const Bytes frame = testing::Pattern(60, 1);
  PacketBufferPtr p = PacketBuffer::FromView(View::CopyOf(frame));
  EXPECT_EQ(p->Size(), 60u);
  EXPECT_EQ(p->AvailableHeaderBytes(), 0u);

  std::span<uint8_t> l = p->ConsumeLinkHeader(14);
  ASSERT_EQ(l.size(), 14u);
  EXPECT_EQ(ToVec(l), Bytes(frame.begin(), frame.begin() + 14));
  std::span<uint8_t> n = p->ConsumeNetworkHeader(20);
  ASSERT_EQ(n.size(), 20u);
  EXPECT_EQ(ToVec(n), Bytes(frame.begin() + 14, frame.begin() + 34));
  std::span<uint8_t> t = p->ConsumeTransportHeader(8);
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(ToVec(t), Bytes(frame.begin() + 34, frame.begin() + 42));

  EXPECT_EQ(p->HeaderSize(), 42u);
  EXPECT_EQ(p->DataSize(), 18u);
  EXPECT_EQ(p->Size(), 60u);
  EXPECT_EQ(p->DataBytes(), Bytes(frame.begin() + 42, frame.end()));
  EXPECT_EQ(p->ToBytes(), frame);

  EXPECT_EQ(p->LinkHeader().data(), l.data());
  EXPECT_EQ(p->NetworkHeader().data(), n.data());
  EXPECT_EQ(p->TransportHeader().data(), t.data());
  EXPECT_EQ(p->TransportHeader().size(), 8u);
}

TEST(PacketBufferTest, ConsumeBeyondSizeReturnsEmptyAndChangesNothing) {
  PacketBufferPtr p =
      PacketBuffer::FromView(View::CopyOf(testing::Pattern(30)));
  EXPECT_TRUE(p->ConsumeLinkHeader(31).empty());
  EXPECT_EQ(p->HeaderSize(), 0u);
  ASSERT_EQ(p->ConsumeLinkHeader(14).size(), 14u);
  EXPECT_TRUE(p->ConsumeNetworkHeader(17).empty());
  EXPECT_EQ(p->HeaderSize(), 14u);
  EXPECT_TRUE(p->NetworkHeader().empty());
  EXPECT_EQ(p->ConsumeNetworkHeader(16).size(), 16u);  // Exactly the rest.
  EXPECT_TRUE(p->ConsumeTransportHeader(1).empty());
  EXPECT_EQ(p->DataSize(), 0u);
}

TEST(PacketBufferTest, FromViewWithHeadroomAtTheFront) {
  const Bytes bytes = testing::Pattern(50);
  View v = View::CopyOf(bytes);
  PacketBufferPtr p = PacketBuffer::FromView(v, 10);
  EXPECT_EQ(p->AvailableHeaderBytes(), 10u);
  EXPECT_EQ(p->Size(), 40u);
  EXPECT_EQ(p->ToBytes(), Bytes(bytes.begin() + 10, bytes.end()));
  // The view is shared, not copied.
  EXPECT_EQ(p->Contiguous().data(), v.data() + 10);
  EXPECT_EQ(v.chunk().UseCount(), 2);
  std::span<uint8_t> l = p->PushLinkHeader(10);
  EXPECT_EQ(l.data(), v.data());
}

TEST(PacketBufferTest, AppendViewBuildsAMultiViewPacket) {
  const Bytes a = testing::Pattern(40, 0);
  const Bytes b = testing::Pattern(25, 90);
  const Bytes c = testing::Pattern(7, 200);
  PacketBufferPtr p =
      PacketBuffer::Create({.reserve_header_bytes = 32, .payload = a});
  View vb = View::CopyOf(b);
  p->AppendView(vb);
  p->AppendView(View());  // Empty views add nothing.
  p->AppendView(View::CopyOf(c));

  EXPECT_EQ(p->Size(), 72u);
  EXPECT_EQ(p->DataSize(), 72u);
  EXPECT_EQ(p->SliceCount(), 3u);
  EXPECT_TRUE(p->Contiguous().empty());
  EXPECT_EQ(p->ToBytes(), Concat(Concat(a, b), c));
  EXPECT_EQ(p->DataBytes(), Concat(Concat(a, b), c));

  std::vector<std::span<const uint8_t>> slices;
  p->ForEachSlice([&](std::span<const uint8_t> s) { slices.push_back(s); });
  ASSERT_EQ(slices.size(), 3u);
  EXPECT_EQ(ToVec(slices[0]), a);  // Headroom is not part of the packet.
  EXPECT_EQ(slices[1].data(), vb.data());  // Appended views are shared.
  EXPECT_EQ(ToVec(slices[2]), c);

  // Pushing a header lands in front of the first view.
  Fill(p->PushNetworkHeader(20), 0x45);
  EXPECT_EQ(p->SliceCount(), 3u);
  EXPECT_EQ(p->Size(), 92u);
  EXPECT_EQ(p->DataBytes(), Concat(Concat(a, b), c));
  EXPECT_EQ(p->ToBytes(), Concat(Bytes(20, 0x45), Concat(Concat(a, b), c)));
}

TEST(PacketBufferTest, ConsumeAcrossViewsPullsUp) {
  const Bytes frame = testing::Pattern(100, 9);
  // The frame arrives in three pieces: 10, 30 and 60 bytes.
  PacketBufferPtr p =
      PacketBuffer::FromView(View::CopyOf(std::span(frame).first(10)));
  p->AppendView(View::CopyOf(std::span(frame).subspan(10, 30)));
  View last = View::CopyOf(std::span(frame).subspan(40));
  p->AppendView(last);
  ASSERT_EQ(p->SliceCount(), 3u);

  std::span<uint8_t> l = p->ConsumeLinkHeader(14);  // Spans views 1 and 2.
  ASSERT_EQ(l.size(), 14u);
  EXPECT_EQ(ToVec(l), Bytes(frame.begin(), frame.begin() + 14));
  std::span<uint8_t> n = p->ConsumeNetworkHeader(40);  // Spans views 2 and 3.
  ASSERT_EQ(n.size(), 40u);
  EXPECT_EQ(ToVec(n), Bytes(frame.begin() + 14, frame.begin() + 54));

  // The headers are contiguous, in front of the rest of the data.
  EXPECT_EQ(ToVec(p->LinkHeader()), ToVec(l));
  EXPECT_EQ(p->NetworkHeader().data(), p->LinkHeader().data() + 14);
  EXPECT_EQ(ToVec(p->NetworkHeader()), ToVec(n));
  EXPECT_EQ(p->Size(), 100u);
  EXPECT_EQ(p->HeaderSize(), 54u);
  EXPECT_EQ(p->ToBytes(), frame);
  EXPECT_EQ(p->DataBytes(), Bytes(frame.begin() + 54, frame.end()));

  // Only the bytes that had to move were copied: the tail of the last view
  // is still shared.
  std::vector<std::span<const uint8_t>> slices;
  p->ForEachSlice([&](std::span<const uint8_t> s) { slices.push_back(s); });
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[1].data(), last.data() + 14);
  EXPECT_EQ(slices[1].size(), 46u);
}

TEST(PacketBufferTest, PullUpKeepsHeadroomForLaterPushes) {
  const Bytes frame = testing::Pattern(30, 50);
  View first = View::CopyOf(
      Concat(Bytes(8, 0), Bytes(frame.begin(), frame.begin() + 4)));
  PacketBufferPtr p = PacketBuffer::FromView(first, 8);
  p->AppendView(View::CopyOf(std::span(frame).subspan(4)));
  ASSERT_EQ(p->ConsumeNetworkHeader(20).size(), 20u);
  EXPECT_EQ(p->AvailableHeaderBytes(), 8u);
  std::span<uint8_t> l = p->PushLinkHeader(8);
  ASSERT_EQ(l.size(), 8u);
  Fill(l, 0xab);
  EXPECT_EQ(p->ToBytes(), Concat(Bytes(8, 0xab), frame));
  EXPECT_EQ(p->HeaderSize(), 28u);
}

TEST(PacketBufferTest, LiveCountGoesUpAndBackDown) {
  const int64_t base = PacketBuffer::LiveCount();
  EXPECT_EQ(base, 0);
  {
    std::vector<PacketBufferPtr> pkts;
    for (int i = 0; i < 10; ++i) {
      pkts.push_back(
          PacketBuffer::Create({.reserve_header_bytes = 16, .payload = {}}));
    }
    EXPECT_EQ(PacketBuffer::LiveCount(), base + 10);
    pkts.push_back(pkts[0]->IncRef());  // Same packet: not a new one.
    pkts.push_back(pkts[1]->Clone());   // A new packet.
    EXPECT_EQ(PacketBuffer::LiveCount(), base + 11);
  }
  EXPECT_EQ(PacketBuffer::LiveCount(), base);
}

// Each thread counts its own share of the live packets; a packet made on one
// thread and released on another, after either thread exited, still brings
// the count back.
TEST(PacketBufferTest, LiveCountSpansThreadsThatExit) {
  const int64_t base = PacketBuffer::LiveCount();
  std::vector<PacketBufferPtr> made_elsewhere;
  std::thread maker([&] {
    for (int i = 0; i < 5; ++i)
      made_elsewhere.push_back(
          PacketBuffer::Create({.reserve_header_bytes = 0, .payload = {}}));
  });
  maker.join();  // Its share (+5) outlives it.
  EXPECT_EQ(PacketBuffer::LiveCount(), base + 5);

  std::vector<PacketBufferPtr> made_here;
  for (int i = 0; i < 3; ++i)
    made_here.push_back(
        PacketBuffer::Create({.reserve_header_bytes = 0, .payload = {}}));
  EXPECT_EQ(PacketBuffer::LiveCount(), base + 8);
  std::thread releaser([&] { made_here.clear(); });
  releaser.join();
  EXPECT_EQ(PacketBuffer::LiveCount(), base + 5);
  made_elsewhere.clear();
  EXPECT_EQ(PacketBuffer::LiveCount(), base);
}

TEST(PacketBufferTest, ReleasingAPacketReleasesItsChunks) {
  const int64_t chunks = Chunk::LiveCount();
  {
    PacketBufferPtr p = PacketBuffer::Create(
        {.reserve_header_bytes = 64, .payload = testing::Pattern(1000)});
    p->AppendView(View::CopyOf(testing::Pattern(10)));
    PacketBufferPtr c = p->Clone();
    EXPECT_GT(Chunk::LiveCount(), chunks);
  }
  EXPECT_EQ(Chunk::LiveCount(), chunks);
}

TEST(PacketBufferTest, HeaderPastMaxLengthIsRefusedNotWrapped) {
  // 65,535 is the most a header may span; one byte more used to wrap the
  // 16-bit length to 0 silently.
  PacketBufferPtr p =
      PacketBuffer::Create({.reserve_header_bytes = 70000, .payload = {}});
  EXPECT_TRUE(p->PushNetworkHeader(65536).empty());
  EXPECT_EQ(p->AvailableHeaderBytes(), 70000u);
  ASSERT_EQ(p->PushNetworkHeader(65535).size(), 65535u);
  EXPECT_TRUE(p->PushNetworkHeader(1).empty());
  EXPECT_EQ(p->NetworkHeader().size(), 65535u);
  EXPECT_EQ(p->HeaderSize(), 65535u);
  EXPECT_EQ(p->AvailableHeaderBytes(), 70000u - 65535u);

  PacketBufferPtr in =
      PacketBuffer::FromView(View::CopyOf(testing::Pattern(70000)));
  EXPECT_TRUE(in->ConsumeTransportHeader(65536).empty());
  EXPECT_EQ(in->HeaderSize(), 0u);
  ASSERT_EQ(in->ConsumeTransportHeader(65000).size(), 65000u);
  EXPECT_TRUE(in->ConsumeTransportHeader(536).empty());
  EXPECT_EQ(in->TransportHeader().size(), 65000u);
  EXPECT_EQ(in->ConsumeTransportHeader(535).size(), 535u);
  EXPECT_EQ(in->HeaderSize(), 65535u);
}

TEST(PacketBufferTest, NetworkPacketStartsAfterTheLinkHeader) {
  const Bytes frame = testing::Pattern(60);
  View v = View::CopyOf(frame);
  PacketBufferPtr p = PacketBuffer::FromView(v);
  EXPECT_EQ(p->NetworkPacket().data(), v.data());  // No link header yet.
  ASSERT_EQ(p->ConsumeLinkHeader(14).size(), 14u);
  // Consumed, not removed: Contiguous still shows the Ethernet header.
  EXPECT_EQ(p->Contiguous().data(), v.data());
  EXPECT_EQ(p->LinkHeaderSize(), 14u);
  EXPECT_EQ(p->NetworkPacket().data(), v.data() + 14);  // Not copied.
  EXPECT_EQ(ToVec(p->NetworkPacket()), Bytes(frame.begin() + 14, frame.end()));

  PacketBufferPtr out = PacketBuffer::Create(
      {.reserve_header_bytes = 14, .payload = std::span(frame).first(20)});
  ASSERT_EQ(out->PushLinkHeader(14).size(), 14u);
  EXPECT_EQ(ToVec(out->NetworkPacket()),
            Bytes(frame.begin(), frame.begin() + 20));
  out->AppendView(View::CopyOf(frame));
  EXPECT_TRUE(out->NetworkPacket().empty());  // Two views: not contiguous.
}

TEST(PacketBufferTest, AppendRangeOfSharesTheSourceBytes) {
  const Bytes a = testing::Pattern(30, 1);
  const Bytes b = testing::Pattern(50, 2);
  PacketBufferPtr src =
      PacketBuffer::Create({.reserve_header_bytes = 8, .payload = a});
  src->AppendView(View::CopyOf(b));
  PacketBufferPtr dst = PacketBuffer::Create({.payload = Bytes{9, 9}});
  // From inside the first view to inside the second, headroom not counted.
  ASSERT_TRUE(dst->AppendRangeOf(*src, 20, 30));
  Bytes want = {9, 9};
  want.insert(want.end(), a.begin() + 20, a.end());
  want.insert(want.end(), b.begin(), b.begin() + 20);
  EXPECT_EQ(dst->ToBytes(), want);
  EXPECT_EQ(dst->SliceCount(), 3u);
  EXPECT_FALSE(dst->AppendRangeOf(*src, 70, 11));
  EXPECT_FALSE(dst->AppendRangeOf(*dst, 0, 1));
  EXPECT_EQ(dst->Size(), 32u);
  EXPECT_TRUE(dst->AppendRangeOf(*src, 80, 0));
  EXPECT_EQ(dst->Size(), 32u);
}

}  // namespace
}  // namespace fdlink
