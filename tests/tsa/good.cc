// The correct ToyEndpoint: compiles cleanly under -Wthread-safety -Werror
// (checked by the tsa.good test) and runs in toy_endpoint_test.cc.
#include "toy_endpoint.h"

namespace fdlink::tsa {

ToyEndpoint::~ToyEndpoint() { Detach(); }

void ToyEndpoint::Attach(int loops) {
  {
    WriterMutexLock l(&mu_);
    attached_ = true;
  }
  for (int i = 0; i < loops; ++i) {
    loops_.Add();
    threads_.emplace_back([this] { Loop(); });
  }
}

void ToyEndpoint::Detach() {
  {
    WriterMutexLock l(&mu_);
    attached_ = false;
  }
  // Wait with mu_ released: the loops take mu_ to notice the detach.
  WaitLoops();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

int ToyEndpoint::LinkAddress() {
  ReaderMutexLock l(&mu_);
  return addr_;
}

void ToyEndpoint::SetLinkAddress(int addr) {
  WriterMutexLock l(&mu_);
  SetAddressLocked(addr);
}

void ToyEndpoint::Loop() {
  loops_.Bind();
  while (LoopBody()) std::this_thread::yield();
  loops_.Leave();
}

bool ToyEndpoint::LoopBody() {
  ReaderMutexLock l(&mu_);
  if (!attached_) return false;
  if (addr_ != 0) reads_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void ToyEndpoint::SetAddressLocked(int addr) { addr_ = addr; }

void ToyEndpoint::WaitLoops() {
  ThreadGroup* groups[] = {&loops_};
  ThreadGroup::WaitIdle(groups);
}

}  // namespace fdlink::tsa
