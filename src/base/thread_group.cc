#include "fdlink/base/thread_group.h"

namespace fdlink {
namespace {
thread_local ThreadGroup* tls_group = nullptr;
}  // namespace

void ThreadGroup::Add() {
  MutexLock l(&mu_);
  ++live_;
}

void ThreadGroup::Remove() {
  MutexLock l(&mu_);
  --live_;
  cv_.NotifyAll();
}

void ThreadGroup::Bind(SrcLoc loc) NO_THREAD_SAFETY_ANALYSIS {
  lockdep::OnAcquire(this, class_name_, lockdep::Mode::kShared, loc);
  tls_group = this;
}

void ThreadGroup::Leave() NO_THREAD_SAFETY_ANALYSIS {
  tls_group = nullptr;
  lockdep::OnRelease(this);
  MutexLock l(&mu_);
  --live_;
  // Notify under the lock: once a waiter sees live_ == 0 it may destroy this
  // object, so nothing may touch it after the lock is released.
  cv_.NotifyAll();
}

int ThreadGroup::Live() const {
  MutexLock l(&mu_);
  return live_;
}

ThreadGroup* ThreadGroup::Current() { return tls_group; }

bool ThreadGroup::IdleFor(bool caller_is_member) const {
  return caller_is_member ? live_ - parked_ == 0 : live_ == 0;
}

void ThreadGroup::WaitIdle(std::span<ThreadGroup* const> groups, SrcLoc loc) {
  ThreadGroup* self = tls_group;
  const bool member = self != nullptr;
  if (member) {
    MutexLock l(&self->mu_);
    ++self->parked_;
    self->cv_.NotifyAll();
  }
  for (ThreadGroup* g : groups) {
    if (!member) {
      // To lockdep, waiting is taking the pseudo-lock and dropping it.
      lockdep::OnAcquire(g, g->class_name_, lockdep::Mode::kWait, loc);
      lockdep::OnRelease(g);
    }
    MutexLock l(&g->mu_);
    while (!g->IdleFor(member)) g->cv_.Wait(&g->mu_);
  }
  if (member) {
    MutexLock l(&self->mu_);
    --self->parked_;
  }
}

}  // namespace fdlink
