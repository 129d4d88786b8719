// Mutex, RwMutex, scoped lockers and CondVar: std primitives annotated for
// Clang's thread-safety analysis and reported to the lockdep checker.
#ifndef FDLINK_BASE_MUTEX_H_
#define FDLINK_BASE_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "fdlink/base/lockdep.h"
#include "fdlink/base/src_loc.h"
#include "fdlink/base/thread_annotations.h"

namespace fdlink {

// Mutex is an exclusive lock. `class_name` names the lock's role for lockdep
// ("fdbased.Endpoint.mu"); it must be a string literal. Not recursive.
class CAPABILITY("mutex") Mutex {
 public:
  explicit Mutex(const char* class_name = "fdlink.Mutex")
      : class_name_(class_name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock(SrcLoc loc = SrcLoc::Current()) ACQUIRE() {
    lockdep::OnAcquire(this, class_name_, lockdep::Mode::kExclusive, loc);
    mu_.lock();
  }
  void Unlock() RELEASE() {
    mu_.unlock();
    lockdep::OnRelease(this);
  }
  // TryLock takes the lock when it is free and returns whether it did; it
  // never blocks (so it cannot deadlock, but lockdep still records what is
  // held while it is).
  bool TryLock(SrcLoc loc = SrcLoc::Current()) TRY_ACQUIRE(true) {
    if (!mu_.try_lock()) return false;
    lockdep::OnAcquire(this, class_name_, lockdep::Mode::kExclusive, loc);
    return true;
  }
  // AssertHeld tells the analysis the caller holds the lock (unchecked).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}
  const char* class_name() const { return class_name_; }

 private:
  friend class CondVar;
  std::mutex mu_;
  const char* const class_name_;
};

// RwMutex is a reader-writer lock with the same lockdep reporting as Mutex.
class CAPABILITY("mutex") RwMutex {
 public:
  explicit RwMutex(const char* class_name = "fdlink.RwMutex")
      : class_name_(class_name) {}
  RwMutex(const RwMutex&) = delete;
  RwMutex& operator=(const RwMutex&) = delete;

  void Lock(SrcLoc loc = SrcLoc::Current()) ACQUIRE() {
    lockdep::OnAcquire(this, class_name_, lockdep::Mode::kExclusive, loc);
    mu_.lock();
  }
  void Unlock() RELEASE() {
    mu_.unlock();
    lockdep::OnRelease(this);
  }
  void ReaderLock(SrcLoc loc = SrcLoc::Current()) ACQUIRE_SHARED() {
    lockdep::OnAcquire(this, class_name_, lockdep::Mode::kShared, loc);
    mu_.lock_shared();
  }
  void ReaderUnlock() RELEASE_SHARED() {
    mu_.unlock_shared();
    lockdep::OnRelease(this);
  }

 private:
  std::shared_mutex mu_;
  const char* const class_name_;
};

// LeafMutex is an exclusive lock that is not reported to lockdep. It is only
// for leaf locks inside memory pools: nothing is ever taken while one is held,
// and they are used from thread-exit paths where lockdep's own per-thread
// state may already be gone.
class CAPABILITY("mutex") LeafMutex {
 public:
  LeafMutex() = default;
  LeafMutex(const LeafMutex&) = delete;
  LeafMutex& operator=(const LeafMutex&) = delete;
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// LeafMutexLock holds a LeafMutex for its scope.
class SCOPED_CAPABILITY LeafMutexLock {
 public:
  explicit LeafMutexLock(LeafMutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~LeafMutexLock() RELEASE() { mu_->Unlock(); }
  LeafMutexLock(const LeafMutexLock&) = delete;
  LeafMutexLock& operator=(const LeafMutexLock&) = delete;

 private:
  LeafMutex* const mu_;
};

// MutexLock holds a Mutex for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu, SrcLoc loc = SrcLoc::Current()) ACQUIRE(mu)
      : mu_(mu) {
    mu_->Lock(loc);
  }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// WriterMutexLock holds an RwMutex exclusively for its scope.
class SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(RwMutex* mu, SrcLoc loc = SrcLoc::Current())
      ACQUIRE(mu)
      : mu_(mu) {
    mu_->Lock(loc);
  }
  ~WriterMutexLock() RELEASE() { mu_->Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  RwMutex* const mu_;
};

// ReaderMutexLock holds an RwMutex shared for its scope.
class SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(RwMutex* mu, SrcLoc loc = SrcLoc::Current())
      ACQUIRE_SHARED(mu)
      : mu_(mu) {
    mu_->ReaderLock(loc);
  }
  ~ReaderMutexLock() RELEASE() { mu_->ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  RwMutex* const mu_;
};

// CondVar is a condition variable used with a held Mutex. While waiting the
// mutex is released (and lockdep is told so), then retaken.
class CondVar {
 public:
  // Wait blocks until notified (spurious wakeups possible).
  void Wait(Mutex* mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> l(mu->mu_, std::adopt_lock);
    lockdep::OnRelease(mu);
    cv_.wait(l);
    l.release();
    lockdep::OnAcquire(mu, mu->class_name_, lockdep::Mode::kExclusive,
                       SrcLoc::Current());
  }
  // WaitFor blocks until notified or `timeout` passes; returns false on
  // timeout.
  template <typename Rep, typename Period>
  bool WaitFor(Mutex* mu, std::chrono::duration<Rep, Period> timeout)
      REQUIRES(mu) {
    std::unique_lock<std::mutex> l(mu->mu_, std::adopt_lock);
    lockdep::OnRelease(mu);
    bool notified = cv_.wait_for(l, timeout) == std::cv_status::no_timeout;
    l.release();
    lockdep::OnAcquire(mu, mu->class_name_, lockdep::Mode::kExclusive,
                       SrcLoc::Current());
    return notified;
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace fdlink

#endif  // FDLINK_BASE_MUTEX_H_
