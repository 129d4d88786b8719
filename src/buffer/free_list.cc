#include "buffer/free_list.h"

#include <cstdlib>

namespace fdlink {
namespace {
std::atomic<int> g_next_slot{0};
std::atomic<FreeListBase*> g_lists[FreeListBase::kMaxLists];
}  // namespace

// ThreadMagazines is one thread's magazines for every list; at thread exit it
// hands its cached objects back to the global lists.
struct ThreadMagazines {
  FreeListBase::Magazine mags[FreeListBase::kMaxLists];
  ~ThreadMagazines();
};

namespace {
// tls_mags points at the thread's magazines once made. A plain pointer is
// constant-initialized, so reading it is one thread-pointer-relative load;
// the object with the destructor is touched only the first time. The library
// is position-independent; initial-exec keeps the access a direct load
// instead of a __tls_get_addr call (it needs static TLS space, which a
// library linked into the program, or loaded with it, has).
__attribute__((tls_model(
    "initial-exec"))) thread_local ThreadMagazines* tls_mags = nullptr;

ThreadMagazines* MakeThreadMagazines() {
  thread_local ThreadMagazines mags;
  tls_mags = &mags;
  return &mags;
}
}  // namespace

ThreadMagazines::~ThreadMagazines() {
  tls_mags = nullptr;
  for (int i = 0; i < FreeListBase::kMaxLists; ++i) {
    FreeListBase* list = g_lists[i].load(std::memory_order_acquire);
    if (list != nullptr && mags[i].count > 0) list->FlushAll(mags[i]);
  }
}

FreeListBase::FreeListBase() : slot_(g_next_slot.fetch_add(1)) {
  if (slot_ >= kMaxLists) std::abort();  // A fixed, small number of pools.
  g_lists[slot_].store(this, std::memory_order_release);
}

FreeListBase::Magazine& FreeListBase::Local() {
  ThreadMagazines* t = tls_mags;
  if (t == nullptr) t = MakeThreadMagazines();
  return t->mags[slot_];
}

void* FreeListBase::PopSlow(Magazine& m) {
  LeafMutexLock l(&mu_);
  // Refill half a magazine so the next pops are lock-free.
  while (!global_.empty() && m.count < kMagazine / 2) {
    m.items[m.count++] = global_.back();
    global_.pop_back();
  }
  return m.count > 0 ? m.items[--m.count] : nullptr;
}

void FreeListBase::PushSlow(Magazine& m, void* item) {
  LeafMutexLock l(&mu_);
  // Move half the magazine out so the next pushes are lock-free.
  while (m.count > kMagazine / 2) global_.push_back(m.items[--m.count]);
  global_.push_back(item);
}

void FreeListBase::FlushAll(Magazine& m) {
  LeafMutexLock l(&mu_);
  while (m.count > 0) global_.push_back(m.items[--m.count]);
}

}  // namespace fdlink
