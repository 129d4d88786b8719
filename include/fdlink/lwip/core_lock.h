// CoreLock: lwIP's one core lock (LOCK_TCPIP_CORE) as an annotated
// capability, so the thread-safety analysis and lockdep see it like any
// other lock of the library.
#ifndef FDLINK_LWIP_CORE_LOCK_H_
#define FDLINK_LWIP_CORE_LOCK_H_

#include "fdlink/base/src_loc.h"
#include "fdlink/base/thread_annotations.h"

namespace fdlink::lwip {

// CoreLock is lwIP's core lock (sys_lock_tcpip_core/sys_unlock_tcpip_core
// of Debian's build, LWIP_TCPIP_CORE_LOCKING=1). lwIP is a process-wide
// singleton, so there is exactly one: `core_lock` below. Every raw-API call
// must hold it, and lwIP holds it while it runs any callback (accept, recv,
// sent, err, a netif's output, timers) on its tcpip thread or on the thread
// that called in. Not recursive. Its lockdep class is "lwip.core".
//
// Lock order: take it after every fdlink lock a packet path may hold
// (an endpoint's receive threads call into lwIP holding their thread
// group), and never wait for endpoint threads while holding it: detaching
// an endpoint (Attach(nullptr)) under it deadlocks, since a receive thread
// may be blocked on it. Functions that detach are EXCLUDES(core_lock).
class CAPABILITY("mutex") CoreLock {
 public:
  constexpr CoreLock() = default;
  CoreLock(const CoreLock&) = delete;
  CoreLock& operator=(const CoreLock&) = delete;

  // Lock takes the core lock (blocking). The lwIP stack must have been
  // started (Stack::Get) first.
  void Lock(SrcLoc loc = SrcLoc::Current()) ACQUIRE();
  // Unlock releases it; the caller must hold it.
  void Unlock() RELEASE();
  // AssertHeld tells the analysis that the caller holds the lock: for
  // lwIP's callbacks, which run with it held (unchecked at run time).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}
};

// core_lock is the process's one lwIP core lock.
inline CoreLock core_lock;

// CoreLockGuard holds the core lock for its scope.
class SCOPED_CAPABILITY CoreLockGuard {
 public:
  explicit CoreLockGuard(SrcLoc loc = SrcLoc::Current()) ACQUIRE(core_lock) {
    core_lock.Lock(loc);
  }
  ~CoreLockGuard() RELEASE() { core_lock.Unlock(); }
  CoreLockGuard(const CoreLockGuard&) = delete;
  CoreLockGuard& operator=(const CoreLockGuard&) = delete;
};

}  // namespace fdlink::lwip

#endif  // FDLINK_LWIP_CORE_LOCK_H_
