#include "bench/alloc.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FDLINK_BENCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FDLINK_BENCH_SANITIZED 1
#endif
#endif

namespace fdlink::tool {
namespace {

std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_allocs{0};

}  // namespace

#ifdef FDLINK_BENCH_SANITIZED
bool AllocCountingAvailable() { return false; }
#else
bool AllocCountingAvailable() { return true; }
#endif

void SetAllocCounting(bool on) {
  g_counting.store(on, std::memory_order_relaxed);
}

uint64_t AllocCount() { return g_allocs.load(std::memory_order_relaxed); }

#ifndef FDLINK_BENCH_SANITIZED
namespace {

// Allocate counts (when on) and returns `size` bytes aligned to `align`, or
// throws std::bad_alloc like the default operator new. The library's
// default array and nothrow forms call these two, and its default delete
// forms call free(), which matches; they are replaced too for clarity.
void* Allocate(size_t size, size_t align) {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (::posix_memalign(&p, align, size) != 0) {
    p = nullptr;
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace
#endif

}  // namespace fdlink::tool

#ifndef FDLINK_BENCH_SANITIZED
void* operator new(size_t n) {
  return fdlink::tool::Allocate(n, alignof(std::max_align_t));
}
void* operator new(size_t n, std::align_val_t a) {
  return fdlink::tool::Allocate(n, static_cast<size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
#endif
