// Tests for the lockdep checker. Every scenario also runs in builds without
// the checker (FDLINK_LOCKDEP=0), where it must report nothing.
#include "fdlink/base/lockdep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fdlink/base/mutex.h"
#include "fdlink/base/src_loc.h"
#include "fdlink/base/thread_group.h"

namespace fdlink {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ReportCapture routes reports into a vector for its lifetime. It resets the
// checker on both ends, so the test main sees ReportCount() unchanged.
class ReportCapture {
 public:
  ReportCapture() {
    lockdep::ResetForTest();
    lockdep::SetReportHandler([this](const std::string& report) {
      std::lock_guard<std::mutex> l(mu_);
      reports_.push_back(report);
    });
  }
  ~ReportCapture() {
    lockdep::SetReportHandler(nullptr);
    lockdep::ResetForTest();
  }
  ReportCapture(const ReportCapture&) = delete;
  ReportCapture& operator=(const ReportCapture&) = delete;

  // Reports returns the reports so far, after checking that ReportCount()
  // agrees and that nothing was reported in a build without the checker.
  std::vector<std::string> Reports() {
    std::lock_guard<std::mutex> l(mu_);
    EXPECT_EQ(lockdep::ReportCount(), reports_.size());
    if constexpr (!lockdep::Enabled()) {
      EXPECT_THAT(reports_, IsEmpty());
    }
    return reports_;
  }

 private:
  // A plain std::mutex: the handler runs inside the checker and must not
  // feed it.
  std::mutex mu_;
  std::vector<std::string> reports_;
};

// Where formats a site as the reports do. (Unused when the checker is off.)
[[maybe_unused]] std::string Where(SrcLoc loc) {
  return std::string(loc.file) + ":" + std::to_string(loc.line);
}

// LockdepOnlyLock reports to lockdep exactly as a Mutex does but excludes
// nothing. Under ThreadSanitizer the tests that invert an order on purpose
// use it instead of Mutex: TSan's own deadlock detector would (rightly)
// report the same inversion of real mutexes and fail the run. Those tests
// run their threads one after the other, so no exclusion is needed.
class LockdepOnlyLock {
 public:
  explicit LockdepOnlyLock(const char* class_name) : class_name_(class_name) {}
  void Lock(SrcLoc loc) {
    lockdep::OnAcquire(this, class_name_, lockdep::Mode::kExclusive, loc);
  }
  void Unlock() { lockdep::OnRelease(this); }

 private:
  const char* const class_name_;
};

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FDLINK_TEST_UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define FDLINK_TEST_UNDER_TSAN 1
#endif
#ifdef FDLINK_TEST_UNDER_TSAN
using InversionLock = LockdepOnlyLock;
#else
using InversionLock = Mutex;
#endif

// LockBoth takes `first` and then `second`, reporting the given sites, and
// releases both.
template <typename Lock>
void LockBoth(Lock* first, SrcLoc first_loc, Lock* second, SrcLoc second_loc) {
  first->Lock(first_loc);
  second->Lock(second_loc);
  second->Unlock();
  first->Unlock();
}

TEST(LockdepTest, EnabledFollowsBuildFlag) {
  EXPECT_EQ(lockdep::Enabled(), FDLINK_LOCKDEP != 0);
  Mutex a{"test.flag.A"};
  Mutex b{"test.flag.B"};
  LockBoth(&a, SrcLoc::Current(), &b, SrcLoc::Current());
  EXPECT_EQ(lockdep::OrderSeen("test.flag.A", "test.flag.B"),
            lockdep::Enabled());
  EXPECT_FALSE(lockdep::OrderSeen("test.flag.B", "test.flag.A"));
  if constexpr (!lockdep::Enabled()) {
    EXPECT_EQ(lockdep::ReportCount(), 0u);
  }
}

TEST(LockdepTest, ReportsAbBaInversionAcrossThreads) {
  ReportCapture capture;
  InversionLock a{"test.inversion.A"};
  InversionLock b{"test.inversion.B"};
  const SrcLoc t1_a = SrcLoc::Current();
  const SrcLoc t1_b = SrcLoc::Current();
  const SrcLoc t2_b = SrcLoc::Current();
  const SrcLoc t2_a = SrcLoc::Current();
  // The threads run one after the other: no deadlock ever happens, yet the
  // second order is reported the first time it is seen.
  std::thread([&] { LockBoth(&a, t1_a, &b, t1_b); }).join();
  std::thread([&] { LockBoth(&b, t2_b, &a, t2_a); }).join();

  std::vector<std::string> reports = capture.Reports();
  if constexpr (lockdep::Enabled()) {
    ASSERT_EQ(reports.size(), 1u);
    const std::string& r = reports[0];
    EXPECT_THAT(r, HasSubstr("test.inversion.A"));
    EXPECT_THAT(r, HasSubstr("test.inversion.B"));
    for (SrcLoc loc : {t1_a, t1_b, t2_b, t2_a}) {
      EXPECT_THAT(r, HasSubstr(Where(loc)));
    }
    // The new chain: held B, then took A.
    EXPECT_LT(r.find(Where(t2_b)), r.find(Where(t2_a)));
  }

  // Seeing the same inversion again does not report it again.
  std::thread([&] { LockBoth(&b, t2_b, &a, t2_a); }).join();
  EXPECT_EQ(capture.Reports().size(), reports.size());
}

// ToyEndpoint is gVisor issue 11456 in miniature: a loop thread is a member
// of `loops_` and read-locks `mu_`; detaching write-locks `mu_` and waits for
// the loops. DetachHoldingLock is the pre-fix ordering (wait while holding
// mu_), which deadlocks when the loop is blocked on mu_; Detach is the fix.
// WaitLoops deliberately lacks EXCLUDES(mu_) so that the buggy ordering
// compiles and only the runtime checker can catch it (tests/tsa shows the
// annotation catching it at compile time).
class ToyEndpoint {
 public:
  ~ToyEndpoint() {
    if (loop_.joinable()) loop_.join();
  }

  // StartLoop starts the loop thread; with `once` it reads the address one
  // time and exits, otherwise it reads until detached.
  void StartLoop(bool once) {
    loops_.Add();
    loop_ = std::thread([this, once] { Loop(once); });
  }
  void JoinLoop() { loop_.join(); }
  int reads() const { return reads_.load(); }

  void DetachHoldingLock() {
    WriterMutexLock l(&mu_);
    attached_ = false;
    WaitLoops();
  }

  void Detach() {
    {
      WriterMutexLock l(&mu_);
      attached_ = false;
    }
    WaitLoops();
  }

 private:
  void Loop(bool once) {
    loops_.Bind();
    while (ReadAddress() && !once) {
      std::this_thread::yield();  // Let a waiting writer in.
    }
    loops_.Leave();
  }

  // ReadAddress reads the address under the shared lock; false once
  // detached.
  bool ReadAddress() {
    ReaderMutexLock l(&mu_);
    if (!attached_ || addr_ == 0) return false;
    reads_.fetch_add(1);
    return true;
  }

  void WaitLoops() {
    ThreadGroup* groups[] = {&loops_};
    ThreadGroup::WaitIdle(groups);
  }

  RwMutex mu_{"toy.Endpoint.mu"};
  bool attached_ GUARDED_BY(mu_) = true;
  int addr_ GUARDED_BY(mu_) = 0x0a0b;
  ThreadGroup loops_{"toy.loops"};
  std::atomic<int> reads_{0};
  std::thread loop_;
};

TEST(LockdepTest, ReportsGvisor11456WaitForLoopsWhileHoldingMu) {
  ReportCapture capture;
  {
    ToyEndpoint ep;
    // The loop finishes its read before detaching starts, so the real
    // deadlock cannot happen here; the checker must still see the cycle.
    ep.StartLoop(/*once=*/true);
    ep.JoinLoop();
    ASSERT_EQ(ep.reads(), 1);
    ep.DetachHoldingLock();
  }
  std::vector<std::string> reports = capture.Reports();
  if constexpr (lockdep::Enabled()) {
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_THAT(reports[0], HasSubstr("toy.Endpoint.mu"));
    EXPECT_THAT(reports[0], HasSubstr("toy.loops"));
    EXPECT_THAT(reports[0], HasSubstr("wait for"));
    EXPECT_THAT(reports[0], HasSubstr("shared"));
  }
}

TEST(LockdepTest, FixedDetachUnlocksBeforeWaiting) {
  ReportCapture capture;
  {
    ToyEndpoint ep;
    ep.StartLoop(/*once=*/false);
    while (ep.reads() == 0) std::this_thread::yield();
    ep.Detach();  // Runs while the loop is still reading.
    ep.JoinLoop();
  }
  EXPECT_THAT(capture.Reports(), IsEmpty());
  // The loop side of the order was seen; the inverse never was.
  EXPECT_EQ(lockdep::OrderSeen("toy.loops", "toy.Endpoint.mu"),
            lockdep::Enabled());
  EXPECT_FALSE(lockdep::OrderSeen("toy.Endpoint.mu", "toy.loops"));
}

TEST(LockdepTest, NestingTwoInstancesOfOneClassIsAllowed) {
  ReportCapture capture;
  Mutex parent{"test.nesting.Node"};
  Mutex child{"test.nesting.Node"};
  LockBoth(&parent, SrcLoc::Current(), &child, SrcLoc::Current());
  EXPECT_THAT(capture.Reports(), IsEmpty());
  EXPECT_FALSE(lockdep::OrderSeen("test.nesting.Node", "test.nesting.Node"));
}

TEST(LockdepTest, ClassesCompareByContent) {
  ReportCapture capture;
  // Two distinct arrays with equal contents name one class.
  static const char kName1[] = "test.content.A";
  static const char kName2[] = "test.content.A";
  ASSERT_NE(static_cast<const void*>(kName1), static_cast<const void*>(kName2));
  Mutex a1{kName1};
  Mutex a2{kName2};
  Mutex b{"test.content.B"};
  LockBoth(&a1, SrcLoc::Current(), &b, SrcLoc::Current());
  LockBoth(&b, SrcLoc::Current(), &a2, SrcLoc::Current());
  EXPECT_EQ(capture.Reports().size(), lockdep::Enabled() ? 1u : 0u);
}

TEST(LockdepTest, ReportsRecursiveAcquisitionOfOneInstance) {
  ReportCapture capture;
  int token = 0;  // Stands for a lock; never actually locked twice.
  const SrcLoc first = SrcLoc::Current();
  const SrcLoc again = SrcLoc::Current();
  lockdep::OnAcquire(&token, "test.recursion.Lock", lockdep::Mode::kExclusive,
                     first);
  lockdep::OnAcquire(&token, "test.recursion.Lock", lockdep::Mode::kExclusive,
                     again);
  lockdep::OnRelease(&token);
  lockdep::OnRelease(&token);
  std::vector<std::string> reports = capture.Reports();
  if constexpr (lockdep::Enabled()) {
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_THAT(reports[0], HasSubstr("recursive"));
    EXPECT_THAT(reports[0], HasSubstr("test.recursion.Lock"));
    EXPECT_THAT(reports[0], HasSubstr(Where(first)));
    EXPECT_THAT(reports[0], HasSubstr(Where(again)));
  }
}

TEST(LockdepTest, ReleasesMayBeOutOfOrder) {
  ReportCapture capture;
  int a = 0;
  int b = 0;
  int c = 0;
  lockdep::OnAcquire(&a, "test.order.A", lockdep::Mode::kExclusive,
                     SrcLoc::Current());
  lockdep::OnAcquire(&b, "test.order.B", lockdep::Mode::kExclusive,
                     SrcLoc::Current());
  lockdep::OnRelease(&a);  // B is still held.
  lockdep::OnAcquire(&c, "test.order.C", lockdep::Mode::kExclusive,
                     SrcLoc::Current());
  lockdep::OnRelease(&c);
  lockdep::OnRelease(&b);
  EXPECT_EQ(lockdep::OrderSeen("test.order.B", "test.order.C"),
            lockdep::Enabled());
  EXPECT_FALSE(lockdep::OrderSeen("test.order.A", "test.order.C"));
  EXPECT_THAT(capture.Reports(), IsEmpty());
}

TEST(LockdepTest, ReportsLongCycleWithFullPath) {
  ReportCapture capture;
  InversionLock a{"test.chain.A"};
  InversionLock b{"test.chain.B"};
  InversionLock c{"test.chain.C"};
  const SrcLoc ab_a = SrcLoc::Current();
  const SrcLoc ab_b = SrcLoc::Current();
  const SrcLoc bc_b = SrcLoc::Current();
  const SrcLoc bc_c = SrcLoc::Current();
  const SrcLoc ca_c = SrcLoc::Current();
  const SrcLoc ca_a = SrcLoc::Current();
  LockBoth(&a, ab_a, &b, ab_b);
  LockBoth(&b, bc_b, &c, bc_c);
  EXPECT_THAT(capture.Reports(), IsEmpty());
  LockBoth(&c, ca_c, &a, ca_a);
  std::vector<std::string> reports = capture.Reports();
  if constexpr (lockdep::Enabled()) {
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_THAT(reports[0],
                HasSubstr("test.chain.A -> test.chain.B -> test.chain.C"));
    for (SrcLoc loc : {ab_a, ab_b, bc_b, bc_c, ca_c, ca_a}) {
      EXPECT_THAT(reports[0], HasSubstr(Where(loc)));
    }
  }
}

TEST(LockdepTest, ConsistentOrderFromManyThreadsReportsNothing) {
  ReportCapture capture;
  constexpr int kThreads = 8;
  constexpr int kIterations = 2000;
  struct Shared {
    Mutex outer[2] = {Mutex{"test.consistent.Outer"},
                      Mutex{"test.consistent.Outer"}};
    RwMutex middle{"test.consistent.Middle"};
    Mutex inner{"test.consistent.Inner"};
    int total GUARDED_BY(inner) = 0;
  } s;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&s, t] {
      for (int i = 0; i < kIterations; ++i) {
        MutexLock l1(&s.outer[(t + i) % 2]);
        ReaderMutexLock l2(&s.middle);
        MutexLock l3(&s.inner);
        ++s.total;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  {
    MutexLock l(&s.inner);
    EXPECT_EQ(s.total, kThreads * kIterations);
  }
  EXPECT_THAT(capture.Reports(), IsEmpty());
  EXPECT_EQ(
      lockdep::OrderSeen("test.consistent.Outer", "test.consistent.Inner"),
      lockdep::Enabled());
  EXPECT_EQ(
      lockdep::OrderSeen("test.consistent.Middle", "test.consistent.Inner"),
      lockdep::Enabled());
}

}  // namespace
}  // namespace fdlink
