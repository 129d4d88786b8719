#include "fdlink/buffer/chunk.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "testing/packets.h"

namespace fdlink {
namespace {

TEST(ChunkRefTest, CopyAddsAReferenceAndDestructorDropsIt) {
  ChunkRef a = ChunkRef::Allocate(100);
  ASSERT_TRUE(a);
  EXPECT_EQ(a.UseCount(), 1);
  {
    ChunkRef b = a;
    EXPECT_EQ(b.get(), a.get());
    EXPECT_EQ(a.UseCount(), 2);
    ChunkRef c;
    c = b;
    EXPECT_EQ(a.UseCount(), 3);
  }
  EXPECT_EQ(a.UseCount(), 1);
}

TEST(ChunkRefTest, MoveTransfersTheReference) {
  ChunkRef a = ChunkRef::Allocate(100);
  Chunk* raw = a.get();
  ChunkRef b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty.
  EXPECT_EQ(a.UseCount(), 0);
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(b.UseCount(), 1);

  ChunkRef c;
  c = std::move(b);
  EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(c.UseCount(), 1);
}

TEST(ChunkRefTest, AssigningReleasesTheOldChunk) {
  const int64_t base = Chunk::LiveCount();
  ChunkRef a = ChunkRef::Allocate(100);
  ChunkRef b = ChunkRef::Allocate(100);
  EXPECT_EQ(Chunk::LiveCount(), base + 2);
  a = b;
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(b.UseCount(), 2);
  EXPECT_EQ(Chunk::LiveCount(), base + 1);
}

TEST(ChunkRefTest, EmptyRefHoldsNothing) {
  ChunkRef empty;
  EXPECT_FALSE(empty);
  EXPECT_EQ(empty.get(), nullptr);
  EXPECT_EQ(empty.UseCount(), 0);
  ChunkRef copy = empty;
  EXPECT_FALSE(copy);
}

TEST(ChunkTest, SmallRequestGetsTheSmallestClass) {
  ChunkRef c = ChunkRef::Allocate(100);
  EXPECT_EQ(c->capacity(), 2048u);
  EXPECT_EQ(ChunkRef::Allocate(2048)->capacity(), 2048u);
  EXPECT_EQ(ChunkRef::Allocate(2049)->capacity(), 16384u);
}

TEST(ChunkTest, LargeRequestGetsThe256KiBClass) {
  EXPECT_EQ(ChunkRef::Allocate(70000)->capacity(), 256u * 1024);
  EXPECT_EQ(ChunkRef::Allocate(256 * 1024)->capacity(), 256u * 1024);
  // The third class holds a 64 KiB packet plus headers.
  EXPECT_EQ(ChunkRef::Allocate(65536)->capacity(), 65536u + 1024);
}

TEST(ChunkTest, OversizedRequestIsExactAndUnpooled) {
  const int64_t base = Chunk::LiveCount();
  const size_t size = 256 * 1024 + 1;
  {
    ChunkRef c = ChunkRef::Allocate(size);
    EXPECT_EQ(c->capacity(), size);
    c->data()[size - 1] = 0x5a;  // The whole capacity is usable.
    EXPECT_EQ(c->data()[size - 1], 0x5a);
    EXPECT_EQ(Chunk::LiveCount(), base + 1);
  }
  EXPECT_EQ(Chunk::LiveCount(), base);
}

TEST(ChunkTest, LiveCountReturnsToStartAfterRefsDrop) {
  const int64_t base = Chunk::LiveCount();
  {
    std::vector<ChunkRef> refs;
    for (size_t size : {size_t{1}, size_t{3000}, size_t{20000}, size_t{70000},
                        size_t{300000}}) {
      refs.push_back(ChunkRef::Allocate(size));
      refs.push_back(refs.back());  // A second reference to the same chunk.
    }
    EXPECT_EQ(Chunk::LiveCount(), base + 5);
  }
  EXPECT_EQ(Chunk::LiveCount(), base);
}

TEST(ChunkTest, ReleasedChunkIsReusedByTheSameThread) {
  Chunk* first = ChunkRef::Allocate(16384).get();  // Released at once.
  ChunkRef again = ChunkRef::Allocate(10000);
  EXPECT_EQ(again.get(), first);
}

TEST(ViewTest, CopyOfCopiesTheBytes) {
  std::vector<uint8_t> src = testing::Pattern(300, 7);
  View v = View::CopyOf(src);
  ASSERT_EQ(v.size(), 300u);
  EXPECT_EQ(v.offset(), 0u);
  EXPECT_FALSE(v.empty());
  EXPECT_NE(v.data(), src.data());
  EXPECT_EQ(std::vector<uint8_t>(v.bytes().begin(), v.bytes().end()), src);
  src[0] ^= 0xff;  // The view owns its own copy.
  EXPECT_NE(v.data()[0], src[0]);
  EXPECT_EQ(v.chunk().UseCount(), 1);
}

TEST(ViewTest, CopyOfEmptyIsEmpty) {
  View v = View::CopyOf({});
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.size(), 0u);
  EXPECT_TRUE(View().empty());
}

TEST(ViewTest, CopyingSharesTheChunk) {
  const int64_t base = Chunk::LiveCount();
  {
    View a = View::CopyOf(testing::Pattern(64));
    View b = a;
    EXPECT_EQ(a.chunk().UseCount(), 2);
    EXPECT_EQ(b.data(), a.data());
    View c = std::move(b);
    EXPECT_EQ(a.chunk().UseCount(), 2);
    EXPECT_EQ(c.data(), a.data());
    EXPECT_EQ(Chunk::LiveCount(), base + 1);
  }
  EXPECT_EQ(Chunk::LiveCount(), base);
}

TEST(ViewTest, TrimFrontAndCapLength) {
  std::vector<uint8_t> src = testing::Pattern(100);
  View v = View::CopyOf(src);
  const uint8_t* start = v.data();

  v.TrimFront(10);
  EXPECT_EQ(v.offset(), 10u);
  EXPECT_EQ(v.size(), 90u);
  EXPECT_EQ(v.data(), start + 10);
  EXPECT_EQ(v.bytes()[0], src[10]);

  v.CapLength(50);
  EXPECT_EQ(v.size(), 50u);
  EXPECT_EQ(v.bytes()[49], src[59]);
  v.CapLength(1000);  // Longer than the view: no change.
  EXPECT_EQ(v.size(), 50u);

  v.TrimFront(50);
  EXPECT_TRUE(v.empty());
}

TEST(ViewTest, WindowsOnOneChunkAreIndependent) {
  ChunkRef c = ChunkRef::Allocate(256);
  for (int i = 0; i < 256; ++i) c->data()[i] = static_cast<uint8_t>(i);
  View a(c, 0, 100);
  View b(c, 100, 156);
  EXPECT_EQ(c.UseCount(), 3);
  EXPECT_EQ(a.bytes()[99], 99);
  EXPECT_EQ(b.bytes()[0], 100);
  b.bytes()[0] = 0xee;  // Writes go to the shared chunk.
  EXPECT_EQ(c->data()[100], 0xee);
  a.TrimFront(50);
  EXPECT_EQ(b.offset(), 100u);
  EXPECT_EQ(b.size(), 156u);
}

// RecordingOwner owns external chunks' bytes and records their releases.
class RecordingOwner : public ChunkOwner {
 public:
  void OnChunkReleased(Chunk* c) override { released.push_back(c); }
  std::vector<Chunk*> released;
};

TEST(ExternalChunkTest, LentChunkIsLiveUntilItsLastReferenceReturnsIt) {
  uint8_t bytes[128] = {};
  bytes[5] = 0x5a;
  RecordingOwner owner;
  std::unique_ptr<Chunk> c = Chunk::MakeExternal(bytes, sizeof(bytes), &owner);
  EXPECT_EQ(c->data(), bytes);
  EXPECT_EQ(c->capacity(), sizeof(bytes));
  const int64_t live = Chunk::LiveCount();
  {
    View v(ChunkRef::Lend(c.get()), 4, 8);
    EXPECT_EQ(Chunk::LiveCount(), live + 1);
    EXPECT_EQ(v.bytes()[1], 0x5a);  // The owner's bytes, not a copy.
    View copy = v;
    EXPECT_EQ(v.chunk().UseCount(), 2);
    // The copy dies on another thread: still not released.
    std::thread([w = std::move(copy)]() mutable { w = View(); }).join();
    EXPECT_TRUE(owner.released.empty());
  }
  ASSERT_EQ(owner.released.size(), 1u);
  EXPECT_EQ(owner.released[0], c.get());
  EXPECT_EQ(Chunk::LiveCount(), live);
  // Back with its owner, it may be lent again.
  { ChunkRef again = ChunkRef::Lend(c.get()); }
  EXPECT_EQ(owner.released.size(), 2u);
}

}  // namespace
}  // namespace fdlink
