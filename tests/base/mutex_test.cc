// Tests for Mutex, RwMutex, the scoped lockers and CondVar.
#include "fdlink/base/mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace fdlink {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(MutexTest, MutexLockExcludesOtherThreads) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 20000;
  struct {
    Mutex mu{"test.mutex.Counter"};
    int count GUARDED_BY(mu) = 0;
  } c;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < kIterations; ++i) {
        MutexLock l(&c.mu);
        ++c.count;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  MutexLock l(&c.mu);
  EXPECT_EQ(c.count, kThreads * kIterations);
}

TEST(MutexTest, ClassNameIsKept) {
  Mutex mu{"test.mutex.Named"};
  EXPECT_STREQ(mu.class_name(), "test.mutex.Named");
}

TEST(MutexTest, ReadersShareAnRwMutex) {
  RwMutex mu{"test.rwmutex.Shared"};
  std::atomic<int> inside{0};
  std::atomic<int> met{0};
  auto reader = [&] {
    ReaderMutexLock l(&mu);
    inside.fetch_add(1);
    // Both readers must be inside at once; exclusive readers would time out.
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (inside.load() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    if (inside.load() == 2) met.fetch_add(1);
  };
  std::thread r1(reader);
  std::thread r2(reader);
  r1.join();
  r2.join();
  EXPECT_EQ(met.load(), 2);
}

TEST(MutexTest, WriterExcludesReaders) {
  RwMutex mu{"test.rwmutex.Writer"};
  std::atomic<bool> reader_in{false};
  std::thread reader;
  {
    WriterMutexLock l(&mu);
    reader = std::thread([&] {
      ReaderMutexLock rl(&mu);
      reader_in = true;
    });
    std::this_thread::sleep_for(milliseconds(50));
    EXPECT_FALSE(reader_in.load()) << "a reader got in past the writer";
  }
  reader.join();
  EXPECT_TRUE(reader_in.load());
}

TEST(CondVarTest, WaitForTimesOutWithoutNotify) {
  Mutex mu{"test.condvar.Timeout"};
  CondVar cv;
  MutexLock l(&mu);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(cv.WaitFor(&mu, milliseconds(20)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(20));
}

// Waiters is a set of threads blocked on one CondVar until `go_`.
class Waiters {
 public:
  explicit Waiters(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Run(); });
    // Wait until every thread is inside WaitFor (the mutex is released
    // only while waiting, so seeing the count means they all wait).
    for (;;) {
      MutexLock l(&mu_);
      if (waiting_ == n) break;
      cv_.WaitFor(&mu_, milliseconds(1));
    }
  }
  ~Waiters() {
    for (std::thread& t : threads_) t.join();
  }

  // Release sets the flag and wakes with NotifyAll or NotifyOne.
  void Release(bool all) {
    MutexLock l(&mu_);
    go_ = true;
    if (all) {
      cv_.NotifyAll();
    } else {
      cv_.NotifyOne();
    }
  }
  void Join() {
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }
  int notified() {
    MutexLock l(&mu_);
    return notified_;
  }

 private:
  void Run() {
    MutexLock l(&mu_);
    ++waiting_;
    // A long timeout: a waiter that is not woken is counted, not hung.
    if (cv_.WaitFor(&mu_, seconds(2)) && go_) ++notified_;
  }

  Mutex mu_{"test.condvar.Waiters"};
  CondVar cv_;
  int waiting_ GUARDED_BY(mu_) = 0;
  int notified_ GUARDED_BY(mu_) = 0;
  bool go_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

TEST(CondVarTest, NotifyAllWakesEveryWaiter) {
  Waiters w(4);
  w.Release(/*all=*/true);
  w.Join();
  EXPECT_EQ(w.notified(), 4);
}

TEST(CondVarTest, NotifyOneWakesOneWaiter) {
  Waiters w(3);
  w.Release(/*all=*/false);
  w.Join();  // The other two time out.
  EXPECT_EQ(w.notified(), 1);
}

}  // namespace
}  // namespace fdlink
