#include "buffer/live_counter.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <vector>

#include "fdlink/base/mutex.h"

namespace fdlink {
namespace {

struct ThreadShares;

// Registry is every live thread's shares plus what exited threads left.
// Leaked on purpose: threads may exit after static destruction began.
struct Registry {
  LeafMutex mu;
  std::vector<ThreadShares*> threads GUARDED_BY(mu);
  int64_t retired[LiveCounter::kMaxCounters] GUARDED_BY(mu) = {};
};

Registry& Reg() {
  static Registry* r = new Registry;
  return *r;
}

std::atomic<size_t> g_next_id{0};

// ThreadShares is one thread's share of every counter. Only its thread
// writes it; Get() reads it from any thread.
struct ThreadShares {
  std::atomic<int64_t> n[LiveCounter::kMaxCounters] = {};

  ThreadShares() {
    Registry& r = Reg();
    LeafMutexLock l(&r.mu);
    r.threads.push_back(this);
  }
  ~ThreadShares();
};

// tls_shares points at the thread's shares once made: a constant-initialized
// pointer, one thread-pointer-relative load on the packet path. The object
// with the destructor is touched only the first time. tls_exited is set once
// the shares are gone (thread exit); later changes go to the registry.
// initial-exec as in free_list.cc.
__attribute__((
    tls_model("initial-exec"))) thread_local ThreadShares* tls_shares = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local bool tls_exited = false;

ThreadShares::~ThreadShares() {
  tls_shares = nullptr;
  tls_exited = true;
  Registry& r = Reg();
  LeafMutexLock l(&r.mu);
  for (size_t i = 0; i < LiveCounter::kMaxCounters; ++i)
    r.retired[i] += n[i].load(std::memory_order_relaxed);
  r.threads.erase(std::find(r.threads.begin(), r.threads.end(), this));
}

ThreadShares* MakeThreadShares() {
  thread_local ThreadShares shares;
  tls_shares = &shares;
  return &shares;
}

}  // namespace

LiveCounter::LiveCounter() : id_(g_next_id.fetch_add(1)) {
  if (id_ >= kMaxCounters) std::abort();  // A fixed, small number.
}

void LiveCounter::Add(int64_t n) {
  ThreadShares* t = tls_shares;
  if (t == nullptr) {
    if (tls_exited) {
      // A change made by another thread-exit destructor after ours ran.
      Registry& r = Reg();
      LeafMutexLock l(&r.mu);
      r.retired[id_] += n;
      return;
    }
    t = MakeThreadShares();
  }
  std::atomic<int64_t>& share = t->n[id_];
  share.store(share.load(std::memory_order_relaxed) + n,
              std::memory_order_relaxed);
}

int64_t LiveCounter::Get() const {
  Registry& r = Reg();
  LeafMutexLock l(&r.mu);
  int64_t sum = r.retired[id_];
  for (const ThreadShares* t : r.threads)
    sum += t->n[id_].load(std::memory_order_relaxed);
  return sum;
}

}  // namespace fdlink
