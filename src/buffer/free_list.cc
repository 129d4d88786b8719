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

constinit thread_local FreeListBase::Magazine* FreeListBase::tls_mags_ =
    nullptr;

FreeListBase::Magazine* FreeListBase::MakeThreadMagazines() {
  thread_local ThreadMagazines mags;
  tls_mags_ = mags.mags;
  return mags.mags;
}

ThreadMagazines::~ThreadMagazines() {
  FreeListBase::tls_mags_ = nullptr;
  for (int i = 0; i < FreeListBase::kMaxLists; ++i) {
    FreeListBase* list = g_lists[i].load(std::memory_order_acquire);
    if (list != nullptr && mags[i].count > 0) list->FlushAll(mags[i]);
  }
}

FreeListBase::FreeListBase() : slot_(g_next_slot.fetch_add(1)) {
  if (slot_ >= kMaxLists) std::abort();  // A fixed, small number of pools.
  g_lists[slot_].store(this, std::memory_order_release);
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
