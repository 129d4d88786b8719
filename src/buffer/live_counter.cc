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

// tls_exited is set once the thread's shares are folded away at its exit.
__attribute__((tls_model("initial-exec"))) thread_local bool tls_exited = false;

ThreadShares::~ThreadShares() {
  LiveCounter::ForgetThreadShares();
  tls_exited = true;
  Registry& r = Reg();
  LeafMutexLock l(&r.mu);
  for (size_t i = 0; i < LiveCounter::kMaxCounters; ++i)
    r.retired[i] += n[i].load(std::memory_order_relaxed);
  r.threads.erase(std::find(r.threads.begin(), r.threads.end(), this));
}

}  // namespace

constinit thread_local std::atomic<int64_t>* LiveCounter::tls_shares_ = nullptr;

LiveCounter::LiveCounter() : id_(g_next_id.fetch_add(1)) {
  if (id_ >= kMaxCounters) std::abort();  // A fixed, small number.
}

void LiveCounter::AddSlow(int64_t n) {
  if (tls_exited) {
    // A change made by another thread-exit destructor after ours ran.
    Registry& r = Reg();
    LeafMutexLock l(&r.mu);
    r.retired[id_] += n;
    return;
  }
  thread_local ThreadShares shares;
  tls_shares_ = shares.n;
  Add(n);
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
