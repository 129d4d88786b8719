// Replacement global operator new/delete that count allocations. Memory
// comes from malloc; every delete form frees with free().
#include "micro/alloc_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace fdlink::bench {
namespace {

std::atomic<uint64_t> g_allocs{0};

// Allocate counts one allocation and returns size bytes aligned to `align`,
// or nullptr if the heap is exhausted.
void* Allocate(size_t size, size_t align) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (align <= alignof(std::max_align_t)) return std::malloc(size);
  void* p = nullptr;
  return ::posix_memalign(&p, align, size) == 0 ? p : nullptr;
}

// AllocateOrDie is Allocate for the throwing forms; the benchmarks cannot
// continue without memory, so they stop.
void* AllocateOrDie(size_t size, size_t align) {
  void* p = Allocate(size, align);
  if (p == nullptr) {
    std::fputs("alloc_counter: out of memory\n", stderr);
    std::abort();
  }
  return p;
}

constexpr size_t kDefault = alignof(std::max_align_t);

}  // namespace

uint64_t AllocCount() { return g_allocs.load(std::memory_order_relaxed); }

}  // namespace fdlink::bench

using fdlink::bench::Allocate;
using fdlink::bench::AllocateOrDie;
using fdlink::bench::kDefault;

void* operator new(size_t n) { return AllocateOrDie(n, kDefault); }
void* operator new[](size_t n) { return AllocateOrDie(n, kDefault); }
void* operator new(size_t n, std::align_val_t a) {
  return AllocateOrDie(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a) {
  return AllocateOrDie(n, static_cast<size_t>(a));
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
