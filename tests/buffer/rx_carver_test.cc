#include "fdlink/buffer/rx_carver.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"
#include "link/fdbased/packet_reader.h"
#include "testing/packets.h"

namespace fdlink {
namespace {

constexpr size_t kCarverChunk = 256 * 1024;  // The largest size class.

size_t RoundUp(size_t n) {
  return (n + RxCarver::kAlign - 1) / RxCarver::kAlign * RxCarver::kAlign;
}

// Receive copies `bytes` into the carver's slot as a read would and takes
// them.
View Receive(RxCarver& carver, std::span<const uint8_t> bytes) {
  std::span<uint8_t> slot = carver.Slot();
  std::memcpy(slot.data(), bytes.data(), bytes.size());
  return carver.Take(bytes.size());
}

TEST(RxCarverTest, SlotHasSlotSizeBytes) {
  RxCarver carver(2000);
  EXPECT_EQ(carver.Slot().size(), 2000u);
  EXPECT_EQ(carver.chunks_started(), 1u);
  RxCarver big(kCarverChunk);  // A slot may be a whole chunk.
  EXPECT_EQ(big.Slot().size(), kCarverChunk);
}

TEST(RxCarverTest, TakeReturnsExactlyNBytesAtTheSlotStart) {
  RxCarver carver(2048);
  std::span<uint8_t> slot = carver.Slot();
  const std::vector<uint8_t> pkt = testing::Pattern(100, 42);
  std::memcpy(slot.data(), pkt.data(), pkt.size());
  View v = carver.Take(pkt.size());
  EXPECT_EQ(v.size(), 100u);
  EXPECT_EQ(v.data(), slot.data());
  EXPECT_EQ(std::vector<uint8_t>(v.bytes().begin(), v.bytes().end()), pkt);
}

TEST(RxCarverTest, NextSlotStartsRightAfterWhatThePacketTook) {
  RxCarver carver(2048);
  uint8_t* first = carver.Slot().data();
  View a = carver.Take(100);
  uint8_t* second = carver.Slot().data();
  EXPECT_EQ(second, first + RoundUp(100));
  EXPECT_EQ(second - first, 128);
  View b = carver.Take(64);  // Already aligned: no padding.
  EXPECT_EQ(carver.Slot().data(), second + 64);
  View c = carver.Take(1);
  EXPECT_EQ(carver.Slot().data(), second + 128);
  // All three share one chunk, at increasing offsets.
  EXPECT_EQ(a.chunk().get(), b.chunk().get());
  EXPECT_EQ(b.chunk().get(), c.chunk().get());
  EXPECT_EQ(a.offset() + 128, b.offset());
  EXPECT_EQ(b.offset() + 64, c.offset());
  EXPECT_EQ(carver.chunks_started(), 1u);
}

TEST(RxCarverTest, EarlierPacketsAreNotOverwritten) {
  RxCarver carver(1500);
  std::vector<View> views;
  for (uint8_t i = 0; i < 50; ++i) {
    views.push_back(Receive(carver, testing::Pattern(60 + i, i)));
  }
  for (uint8_t i = 0; i < 50; ++i) {
    const View& v = views[i];
    EXPECT_EQ(std::vector<uint8_t>(v.bytes().begin(), v.bytes().end()),
              testing::Pattern(60 + i, i))
        << "packet " << int{i};
  }
}

TEST(RxCarverTest, MovesToANewChunkAndFreesTheOldOneOnRelease) {
  const int64_t base = Chunk::LiveCount();
  {
    RxCarver carver(16384);
    EXPECT_EQ(Chunk::LiveCount(), base + 1);
    std::vector<View> views;
    // 16 full slots fill the 256 KiB chunk exactly.
    for (int i = 0; i < 16; ++i) {
      (void)carver.Slot();
      views.push_back(carver.Take(16384));
    }
    EXPECT_EQ(carver.chunks_started(), 1u);
    (void)carver.Slot();  // The next slot cannot fit: a new chunk.
    EXPECT_EQ(carver.chunks_started(), 2u);
    EXPECT_EQ(Chunk::LiveCount(), base + 2);
    Chunk* old_chunk = views[0].chunk().get();
    EXPECT_EQ(views[15].chunk().get(), old_chunk);
    View next = carver.Take(10);
    EXPECT_NE(next.chunk().get(), old_chunk);
    EXPECT_EQ(next.offset(), 0u);

    views.pop_back();
    EXPECT_EQ(Chunk::LiveCount(), base + 2);  // Still held by 15 views.
    views.clear();
    EXPECT_EQ(Chunk::LiveCount(), base + 1);  // The old chunk is free.
  }
  EXPECT_EQ(Chunk::LiveCount(), base);
}

TEST(RxCarverTest, MovesOnWhenTheTailIsSmallerThanASlot) {
  RxCarver carver(65536);
  std::vector<View> views;
  // Three 65,000-byte packets (65,024 with padding) leave 67,072 bytes of
  // the 256 KiB chunk: still room for a slot.
  for (int i = 0; i < 3; ++i) {
    (void)carver.Slot();
    views.push_back(carver.Take(65000));
  }
  EXPECT_EQ(carver.chunks_started(), 1u);
  EXPECT_EQ(carver.Slot().data(), views[2].data() + RoundUp(65000));
  // A fourth leaves 2,048 bytes: too few, so the next slot moves on (the
  // views still hold the chunk, so it cannot be reused).
  views.push_back(carver.Take(65000));
  (void)carver.Slot();
  EXPECT_EQ(carver.chunks_started(), 2u);
  View v = carver.Take(1);
  EXPECT_NE(v.chunk().get(), views[0].chunk().get());
  EXPECT_EQ(v.offset(), 0u);
  EXPECT_EQ(views[3].chunk().get(), views[0].chunk().get());
  EXPECT_EQ(views[3].size(), 65000u);
}

// The move to a new chunk is decided at the next Slot(), after the caller
// had the chance to release what it took, so a chunk nobody holds is reused.
TEST(RxCarverTest, ReusesItsChunkWhenEveryViewWasReleased) {
  const int64_t base = Chunk::LiveCount();
  RxCarver carver(16384);
  uint8_t* start = carver.Slot().data();
  for (int i = 0; i < 40; ++i) {
    View v = Receive(carver, testing::Pattern(16384, static_cast<uint8_t>(i)));
    EXPECT_EQ(v.size(), 16384u);
  }  // Each view is released before the next read.
  EXPECT_EQ(carver.chunks_started(), 1u);
  EXPECT_EQ(Chunk::LiveCount(), base + 1);
  // 40 slots = two full passes over the chunk and eight more slots.
  EXPECT_EQ(carver.Slot().data(), start + 8 * 16384);
}

// The carver counts chunk references in batches and hands them to views one
// by one; whatever it has not handed out goes back when it moves to a new
// chunk, is moved from, or is destroyed, so views alone keep a chunk alive.
TEST(RxCarverTest, UnspentReferencesGoBackWhenTheCarverLetsGo) {
  const int64_t base = Chunk::LiveCount();
  std::vector<View> views;
  {
    RxCarver first(16384);
    for (int i = 0; i < 3; ++i)
      views.push_back(Receive(first, testing::Pattern(100, 1)));
    RxCarver carver(std::move(first));
    for (int i = 0; i < 2; ++i)
      views.push_back(Receive(carver, testing::Pattern(100, 2)));
    EXPECT_EQ(views[0].chunk().get(), views[4].chunk().get());
    EXPECT_EQ(Chunk::LiveCount(), base + 1);
  }
  // Five views, and nothing else, hold the chunk now.
  EXPECT_EQ(views[0].chunk().UseCount(), 5);
  views.pop_back();
  EXPECT_EQ(views[0].chunk().UseCount(), 4);
  views.clear();
  EXPECT_EQ(Chunk::LiveCount(), base);
}

// Many views from one chunk (more than one batch of references) all read
// their own bytes, and the chunk is reused once they are gone.
TEST(RxCarverTest, ManyViewsOfOneChunkEachKeepTheirBytes) {
  const int64_t base = Chunk::LiveCount();
  RxCarver carver(2048);
  std::vector<View> views;
  for (int i = 0; i < 200; ++i)
    views.push_back(
        Receive(carver, testing::Pattern(64, static_cast<uint8_t>(i))));
  EXPECT_EQ(carver.chunks_started(), 1u);
  for (int i = 0; i < 200; ++i) {
    const std::vector<uint8_t> want =
        testing::Pattern(64, static_cast<uint8_t>(i));
    ASSERT_EQ(std::memcmp(views[i].data(), want.data(), want.size()), 0) << i;
  }
  views.clear();
  // Run past the end of the chunk: with every view gone it starts over.
  for (int i = 0; i < 400; ++i)
    (void)Receive(carver, testing::Pattern(1024, 3));
  EXPECT_EQ(carver.chunks_started(), 1u);
  EXPECT_EQ(Chunk::LiveCount(), base + 1);
}

TEST(RxCarverTest, ReleasedChunksDoNotAccumulate) {
  const int64_t base = Chunk::LiveCount();
  RxCarver carver(1500);
  for (int i = 0; i < 5000; ++i) {
    (void)carver.Slot();
    PacketBufferPtr p = PacketBuffer::FromView(carver.Take(1400));
    EXPECT_EQ(p->Size(), 1400u);
  }
  // Every packet was released before the next slot, so the carver kept
  // reusing its one chunk.
  EXPECT_EQ(carver.chunks_started(), 1u);
  EXPECT_EQ(Chunk::LiveCount(), base + 1);  // Only the carver's own chunk.
}

TEST(RxCarverTest, MaxIpPacketFitsOneSlot) {
  using fdbased::kRxSlotSize;
  constexpr size_t kMaxIpPacket = 65535;
  EXPECT_GE(kRxSlotSize, kMaxIpPacket + header::kEthernetHeaderSize +
                             header::kVirtioNetHeaderSize);
  RxCarver carver(kRxSlotSize);
  for (int i = 0; i < 8; ++i) {  // Across several chunks.
    std::span<uint8_t> slot = carver.Slot();
    ASSERT_GE(slot.size(), kMaxIpPacket);
    const std::vector<uint8_t> pkt =
        testing::Pattern(kMaxIpPacket, static_cast<uint8_t>(i));
    std::memcpy(slot.data(), pkt.data(), pkt.size());
    PacketBufferPtr p = PacketBuffer::FromView(carver.Take(kMaxIpPacket));
    EXPECT_EQ(p->Size(), kMaxIpPacket);
    EXPECT_EQ(p->SliceCount(), 1u);
    EXPECT_EQ(p->Contiguous().size(), kMaxIpPacket);
    EXPECT_EQ(p->Contiguous().data(), slot.data());
    EXPECT_EQ(p->ToBytes(), pkt);
  }
}

TEST(RxCarverTest, FirstHeaderBytesAreContiguous) {
  RxCarver carver(fdbased::kRxSlotSize);
  for (size_t size : {size_t{120}, size_t{1500}, size_t{65535}}) {
    View v = Receive(carver, testing::Pattern(size, 3));
    const uint8_t* start = v.data();
    PacketBufferPtr p = PacketBuffer::FromView(std::move(v));
    // 120 bytes of headers come straight out of the slot, without a pull-up.
    std::span<uint8_t> l = p->ConsumeLinkHeader(14);
    std::span<uint8_t> n = p->ConsumeNetworkHeader(60);
    std::span<uint8_t> t = p->ConsumeTransportHeader(46);
    ASSERT_EQ(t.size(), 46u);
    EXPECT_EQ(l.data(), start);
    EXPECT_EQ(n.data(), start + 14);
    EXPECT_EQ(t.data(), start + 74);
    EXPECT_EQ(p->SliceCount(), 1u);
    EXPECT_EQ(p->DataSize(), size - 120);
  }
}

}  // namespace
}  // namespace fdlink
