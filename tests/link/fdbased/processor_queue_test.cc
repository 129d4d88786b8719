// ProcessorQueue: the loop-to-processor hand-off, with its batched wake-ups.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "link/fdbased/processor.h"

namespace fdlink::fdbased {
namespace {

using std::chrono::milliseconds;

PacketBufferPtr Pkt() {
  return PacketBuffer::Create({.reserve_header_bytes = 0, .payload = {}});
}

// Consumer takes batches on its own thread and counts what it got.
class Consumer {
 public:
  explicit Consumer(ProcessorQueue& q)
      : thread_([this, &q] {
          std::vector<PacketBufferPtr> batch;
          while (q.TakeAll(&batch)) {
            got_.fetch_add(batch.size());
            batch.clear();
          }
        }) {}
  ~Consumer() { thread_.join(); }
  size_t got() const { return got_.load(); }
  // WaitFor polls until `n` packets arrived or `limit` passed.
  bool WaitFor(size_t n, milliseconds limit) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (got() < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
  }

 private:
  std::atomic<size_t> got_{0};
  std::thread thread_;
};

TEST(ProcessorQueueTest, WakeHandsOverALonePacket) {
  ProcessorQueue q;
  {
    Consumer c(q);
    std::this_thread::sleep_for(milliseconds(20));  // Let it fall asleep.
    // Fewer than a batch: Push leaves the consumer asleep, and Wake, which
    // the loop calls before it sleeps, hands the packet over.
    ASSERT_TRUE(q.Push(Pkt()));
    q.Wake();
    EXPECT_TRUE(c.WaitFor(1, milliseconds(5000)));
    q.Finish();
  }
  EXPECT_EQ(PacketBuffer::LiveCount(), 0);
}

TEST(ProcessorQueueTest, AFullBatchWakesWithoutWake) {
  ProcessorQueue q;
  Consumer c(q);
  std::this_thread::sleep_for(milliseconds(20));
  for (size_t i = 0; i < ProcessorQueue::kWakeBatch; ++i)
    ASSERT_TRUE(q.Push(Pkt()));
  EXPECT_TRUE(c.WaitFor(ProcessorQueue::kWakeBatch, milliseconds(5000)));
  q.Finish();
}

TEST(ProcessorQueueTest, FinishDeliversWhatIsQueued) {
  ProcessorQueue q;
  Consumer c(q);
  std::this_thread::sleep_for(milliseconds(20));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.Push(Pkt()));
  q.Finish();  // No Wake: Finish alone must drain the five.
  EXPECT_TRUE(c.WaitFor(5, milliseconds(5000)));
}

// A producer far ahead of the consumer fills the queue and waits for room;
// nothing is lost and nobody sleeps forever.
TEST(ProcessorQueueTest, ManyMoreThanCapacityAllArrive) {
  constexpr size_t kN = 20 * ProcessorQueue::kCapacity + 7;
  ProcessorQueue q;
  Consumer c(q);
  for (size_t i = 0; i < kN; ++i) ASSERT_TRUE(q.Push(Pkt()));
  q.Wake();
  EXPECT_TRUE(c.WaitFor(kN, milliseconds(20000)));
  q.Finish();
}

TEST(ProcessorQueueTest, StopDropsQueuedPacketsAndRefusesMore) {
  ProcessorQueue q;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.Push(Pkt()));
  EXPECT_EQ(PacketBuffer::LiveCount(), 3);
  q.Stop();
  EXPECT_EQ(PacketBuffer::LiveCount(), 0);
  EXPECT_FALSE(q.Push(Pkt()));
  std::vector<PacketBufferPtr> out;
  EXPECT_FALSE(q.TakeAll(&out));
  EXPECT_EQ(PacketBuffer::LiveCount(), 0);
}

}  // namespace
}  // namespace fdlink::fdbased
