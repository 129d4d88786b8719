// ThreadGroup: "wait until these threads have exited", annotated for the
// thread-safety analysis and modelled as a pseudo-lock for lockdep.
#ifndef FDLINK_BASE_THREAD_GROUP_H_
#define FDLINK_BASE_THREAD_GROUP_H_

#include <span>

#include "fdlink/base/mutex.h"
#include "fdlink/base/src_loc.h"
#include "fdlink/base/thread_annotations.h"

namespace fdlink {

// ThreadGroup counts the member threads of one unit of work (for the fd-based
// endpoint: every loop and processor thread of one attachment). A member
// "holds" the group from Bind() to Leave(); waiting for the group is, to
// lockdep, taking and dropping that pseudo-lock, so "hold mu, then wait for
// threads that take mu" is reported as a cycle the first time both orders are
// seen.
//
// Threading: Add() runs on the creating thread before the member starts;
// Bind()/Leave() run on the member itself; WaitIdle() on any thread.
class CAPABILITY("thread_group") ThreadGroup {
 public:
  // `class_name` names the role for lockdep; it must be a string literal.
  explicit ThreadGroup(const char* class_name) : class_name_(class_name) {}
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  // Add registers one member that is about to be started. Call before the
  // thread starts so that no waiter can miss it.
  void Add() EXCLUDES(mu_);
  // Remove undoes one Add() whose thread could not be started.
  void Remove() EXCLUDES(mu_);
  // Bind marks the calling thread as a member (it now holds the group).
  void Bind(SrcLoc loc = SrcLoc::Current()) ACQUIRE_SHARED(this);
  // Leave marks the calling member as finished. It must be the member's last
  // touch of the group's owner: a waiter may free everything once it returns.
  void Leave() RELEASE_SHARED(this) EXCLUDES(mu_);

  // Live is the number of members added and not yet left.
  int Live() const EXCLUDES(mu_);

  // Current is the group the calling thread is a member of, or nullptr.
  static ThreadGroup* Current();

  // WaitIdle returns when no member of any group in `groups` is running.
  // Called from a thread that is not a member of any group, it waits for
  // every member to Leave(). Called from a member (a callback running on a
  // loop or processor thread), it cannot wait for itself: it marks itself
  // parked and waits until every other member has left or is itself parked
  // in WaitIdle, so two callbacks that both wait do not wait for each other.
  // Holds no lock of its own while blocked. It cannot name the caller's
  // locks (the groups are a run-time list), so the analysis cannot check
  // them here: a user calls it from one function annotated EXCLUDES(its
  // lock), as fdbased::Endpoint::WaitForThreads does; lockdep checks every
  // call at run time.
  static void WaitIdle(std::span<ThreadGroup* const> groups,
                       SrcLoc loc = SrcLoc::Current());

 private:
  bool IdleFor(bool caller_is_member) const REQUIRES(mu_);

  const char* const class_name_;
  mutable Mutex mu_{"ThreadGroup.mu"};
  CondVar cv_;
  int live_ GUARDED_BY(mu_) = 0;
  int parked_ GUARDED_BY(mu_) = 0;
};

}  // namespace fdlink

#endif  // FDLINK_BASE_THREAD_GROUP_H_
