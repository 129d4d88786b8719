// Replacement global operator new/delete that count allocations. Memory
// comes from malloc (posix_memalign when over-aligned); every delete form
// frees with free(). The throwing forms throw std::bad_alloc like the
// default ones; the nothrow forms return nullptr.
#include "alloc_counter/alloc_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FDLINK_ALLOC_COUNTER_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FDLINK_ALLOC_COUNTER_SANITIZED 1
#endif
#endif

namespace fdlink::bench {
namespace {

std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocs{0};

}  // namespace

#ifdef FDLINK_ALLOC_COUNTER_SANITIZED
bool AllocCountingAvailable() { return false; }
#else
bool AllocCountingAvailable() { return true; }
#endif

void SetAllocCounting(bool on) {
  g_counting.store(on, std::memory_order_relaxed);
}

uint64_t AllocCount() { return g_allocs.load(std::memory_order_relaxed); }

}  // namespace fdlink::bench

#ifndef FDLINK_ALLOC_COUNTER_SANITIZED
namespace {

constexpr size_t kDefault = alignof(std::max_align_t);

// Allocate counts one allocation (when counting is on) and returns `size`
// bytes aligned to `align`, or nullptr if the heap is exhausted.
void* Allocate(size_t size, size_t align) noexcept {
  if (fdlink::bench::g_counting.load(std::memory_order_relaxed))
    fdlink::bench::g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (align <= kDefault) return std::malloc(size);
  void* p = nullptr;
  return ::posix_memalign(&p, align, size) == 0 ? p : nullptr;
}

// AllocateOrThrow is Allocate for the throwing forms.
void* AllocateOrThrow(size_t size, size_t align) {
  void* p = Allocate(size, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(size_t n) { return AllocateOrThrow(n, kDefault); }
void* operator new[](size_t n) { return AllocateOrThrow(n, kDefault); }
void* operator new(size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<size_t>(a));
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, kDefault);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, kDefault);
}
void* operator new(size_t n, std::align_val_t a,
                   const std::nothrow_t&) noexcept {
  return Allocate(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a,
                     const std::nothrow_t&) noexcept {
  return Allocate(n, static_cast<size_t>(a));
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t,
                     const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t,
                       const std::nothrow_t&) noexcept {
  std::free(p);
}
#endif  // FDLINK_ALLOC_COUNTER_SANITIZED
