// FreeList<T>: a global free list of T objects fronted by per-thread
// magazines, so that taking and returning objects on one thread touches no
// lock and no heap in steady state. Internal to the buffer layer.
#ifndef FDLINK_SRC_BUFFER_FREE_LIST_H_
#define FDLINK_SRC_BUFFER_FREE_LIST_H_

#include <atomic>
#include <cstddef>
#include <vector>

#include "fdlink/base/mutex.h"

namespace fdlink {

// FreeListBase holds what does not depend on T: the instance's slot in the
// per-thread magazine table and the global overflow list.
class FreeListBase {
 public:
  static constexpr int kMaxLists = 16;
  static constexpr int kMagazine = 64;

 protected:
  FreeListBase();
  // Thread-local magazine for this list.
  struct Magazine {
    void* items[kMagazine];
    int count = 0;
  };
  Magazine& Local() {
    Magazine* mags = tls_mags_;
    if (mags == nullptr) [[unlikely]]
      mags = MakeThreadMagazines();
    return mags[slot_];
  }
  void* PopSlow(Magazine& m);
  void PushSlow(Magazine& m, void* item);

 private:
  friend struct ThreadMagazines;
  void FlushAll(Magazine& m);
  // MakeThreadMagazines creates the calling thread's magazines (one per
  // list) and points tls_mags_ at them.
  static Magazine* MakeThreadMagazines();

  // tls_mags_ is the calling thread's kMaxLists magazines, null until made
  // and after thread exit. constinit and initial-exec make reading it one
  // thread-pointer-relative load (see live_counter.h).
  __attribute__((tls_model(
      "initial-exec"))) static constinit thread_local Magazine* tls_mags_;

  const int slot_;
  LeafMutex mu_;
  std::vector<void*> global_ GUARDED_BY(mu_);
};

// FreeList<T> recycles T objects allocated with new. Instances must live for
// the whole process (create them as leaked singletons). Thread-safe.
template <typename T>
class FreeList : public FreeListBase {
 public:
  // Pop returns a recycled object or nullptr when none is cached.
  T* Pop() {
    Magazine& m = Local();
    if (m.count > 0) return static_cast<T*>(m.items[--m.count]);
    return static_cast<T*>(PopSlow(m));
  }
  // Push caches `item` for reuse.
  void Push(T* item) {
    Magazine& m = Local();
    if (m.count < kMagazine) {
      m.items[m.count++] = item;
      return;
    }
    PushSlow(m, item);
  }
};

}  // namespace fdlink

#endif  // FDLINK_SRC_BUFFER_FREE_LIST_H_
