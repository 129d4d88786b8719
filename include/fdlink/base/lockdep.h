// lockdep: fdlink's runtime lock-and-wait order checker.
//
// In builds with FDLINK_LOCKDEP=1 every Mutex, RwMutex and ThreadGroup reports
// its acquisitions here. The checker keeps the set of locks each thread holds
// and a global graph of "held class A, then took class B" edges; the first
// edge that closes a cycle is reported with both chains. In other builds the
// hooks are empty inline functions and compile away.
#ifndef FDLINK_BASE_LOCKDEP_H_
#define FDLINK_BASE_LOCKDEP_H_

#include <cstddef>
#include <functional>
#include <string>

#include "fdlink/base/src_loc.h"

#ifndef FDLINK_LOCKDEP
#define FDLINK_LOCKDEP 0
#endif

namespace fdlink::lockdep {

// Kind of acquisition. kWait is "wait for a thread group": the caller reports
// it as OnAcquire(kWait) followed at once by OnRelease, i.e. taking the
// group's pseudo-lock and dropping it. Shared acquisitions order like
// exclusive ones (a reader that blocks a writer's waiter still deadlocks).
enum class Mode { kExclusive, kShared, kWait };

#if FDLINK_LOCKDEP
// OnAcquire records that the calling thread is about to take `lock`, whose
// class is `class_name` (a string literal naming the lock's role, shared by
// all instances of that role; classes compare by content). It checks the new
// edges before blocking: an edge that closes a cycle, or taking the same
// instance again, is reported once, the first time both orders have been
// seen (whether or not the threads ever actually deadlocked). Nesting two
// instances of one class is allowed. The report handler runs on the calling
// thread, with no checker lock held. Locks taken by a thread after its
// thread-local state is destroyed (late thread-exit code) are not tracked.
void OnAcquire(const void* lock, const char* class_name, Mode mode, SrcLoc loc);
// OnRelease records that the calling thread released `lock`: it drops the
// most recent entry for `lock` from the thread's held stack (releases may be
// out of order; releasing a lock not held is ignored).
void OnRelease(const void* lock);
#else
inline void OnAcquire(const void*, const char*, Mode, SrcLoc) {}
inline void OnRelease(const void*) {}
#endif

// Enabled reports whether this build carries the checker.
constexpr bool Enabled() { return FDLINK_LOCKDEP != 0; }

// ReportCount is the number of reports (cycles and recursive acquisitions)
// made so far (always 0 when disabled). Tests assert it is unchanged.
size_t ReportCount();

// SetReportHandler replaces what happens on a report (default: print both
// chains to stderr and abort). Passing nullptr restores the default. Tests
// use it to capture reports. Thread-safe.
void SetReportHandler(std::function<void(const std::string&)> handler);

// OrderSeen reports whether some thread has taken a lock of class
// `after_class` while holding one of class `before_class` since the last
// reset (always false when disabled). For tests.
bool OrderSeen(const char* before_class, const char* after_class);

// ResetForTest forgets every edge of the graph and which reports were made,
// and sets ReportCount() back to 0 (the test main compares the count at the
// start and end of each test, so a test that provokes reports on purpose
// captures them with SetReportHandler and calls this before it ends). Lock
// classes are kept. Held stacks are per thread and are not touched: call it
// only when no thread holds or is taking a tracked lock.
void ResetForTest();

}  // namespace fdlink::lockdep

#endif  // FDLINK_BASE_LOCKDEP_H_
