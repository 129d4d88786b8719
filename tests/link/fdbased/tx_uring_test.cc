// TxRings on an eventfd, a non-socket fd whose writes the kernel checks
// strictly (exactly 8 bytes; EAGAIN when the counter would overflow): the
// counter it ends with says which frames went in, and in what quantity.
#include "link/fdbased/tx_uring.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::fdbased {
namespace {

// Frames holds values and the iovecs (one per frame) naming them.
struct Frames {
  explicit Frames(const std::vector<uint64_t>& values) : v(values) {
    iov.reserve(v.size());
    for (uint64_t& x : v) iov.push_back(iovec{&x, sizeof(x)});
    for (const iovec& i : iov) spans.push_back(std::span(&i, 1));
  }
  std::vector<uint64_t> v;
  std::vector<iovec> iov;
  std::vector<std::span<const iovec>> spans;
};

uint64_t Counter(int efd) {
  uint64_t x = 0;
  return ::read(efd, &x, sizeof(x)) == sizeof(x) ? x : 0;
}

TEST(TxRings, ManyFramesGoOutInChainsOfTheRingSize) {
  Result<UniqueFd> efd = sys::EventFd();
  ASSERT_TRUE(efd);
  TxRings rings;
  Frames f(std::vector<uint64_t>(100, 3));
  std::optional<TxUringOutcome> o = rings.Write(efd->get(), f.spans);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->sent, 100u);
  EXPECT_FALSE(o->error.has_value());
  EXPECT_EQ(Counter(efd->get()), 300u);
  EXPECT_EQ(rings.Batches(), 2u);  // 64 + 36 frames.
  EXPECT_EQ(rings.Busy(), 0u);
}

TEST(TxRings, WouldBlockCancelsEveryFrameAfterIt) {
  Result<UniqueFd> efd = sys::EventFd();
  ASSERT_TRUE(efd);
  TxRings rings;
  // The third frame would overflow the counter (EAGAIN); the fourth would
  // fit again, and must not be written.
  Frames f({1, 0xfffffffffffffff0u, 0x20, 1});
  std::optional<TxUringOutcome> o = rings.Write(efd->get(), f.spans);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->sent, 2u);
  ASSERT_TRUE(o->error.has_value());
  EXPECT_EQ(o->error->code, Errc::kWouldBlock) << o->error->ToString();
  EXPECT_EQ(Counter(efd->get()), 0xfffffffffffffff1u);
}

TEST(TxRings, RejectedFrameIsTheErrorAndNothingAfterItIsWritten) {
  Result<UniqueFd> efd = sys::EventFd();
  ASSERT_TRUE(efd);
  TxRings rings;
  Frames f({5, 7, 9});
  f.iov[1].iov_len = 4;  // An eventfd takes exactly 8 bytes: EINVAL.
  std::optional<TxUringOutcome> o = rings.Write(efd->get(), f.spans);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->sent, 1u);
  ASSERT_TRUE(o->error.has_value());
  EXPECT_EQ(o->error->sys_errno, EINVAL);
  EXPECT_EQ(Counter(efd->get()), 5u);
  // The ring is fine afterwards.
  Frames g({2});
  o = rings.Write(efd->get(), g.spans);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->sent, 1u);
  EXPECT_EQ(Counter(efd->get()), 2u);
}

TEST(TxRings, ThreadsAtOnceNeverWaitAndLoseNothing) {
  // More threads than rings: a Write finding every slot taken returns
  // nullopt at once (the caller's writev path; here the test writes the
  // frames itself), so every frame goes in exactly once either way.
  Result<UniqueFd> efd = sys::EventFd();
  ASSERT_TRUE(efd);
  TxRings rings;
  constexpr int kThreads = 6, kCalls = 200, kFrames = 8;
  std::atomic<uint64_t> by_hand{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Frames f(std::vector<uint64_t>(kFrames, 1));
      for (int c = 0; c < kCalls; ++c) {
        std::optional<TxUringOutcome> o = rings.Write(efd->get(), f.spans);
        if (!o) {
          for (const iovec& i : f.iov) {
            ASSERT_TRUE(sys::Writev(efd->get(), std::span(&i, 1)));
          }
          by_hand.fetch_add(1);
          continue;
        }
        ASSERT_EQ(o->sent, size_t{kFrames});
        ASSERT_FALSE(o->error.has_value());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(Counter(efd->get()), uint64_t{kThreads} * kCalls * kFrames);
  EXPECT_EQ(rings.Batches() + by_hand.load(), uint64_t{kThreads} * kCalls);
  EXPECT_EQ(rings.Busy(), by_hand.load());
}

}  // namespace
}  // namespace fdlink::fdbased
