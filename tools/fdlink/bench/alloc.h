// Heap allocation counting for `fdlink bench`. The fdlink binary replaces
// the global operator new with a thin wrapper over malloc that increments
// one atomic while counting is switched on (by `fdlink bench` unless
// --no-count-allocs); while it is off the only cost is one relaxed load per
// allocation. Sanitizer builds keep the sanitizer's allocator and cannot
// count.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_ALLOC_H_
#define FDLINK_TOOLS_FDLINK_BENCH_ALLOC_H_

#include <cstdint>

namespace fdlink::tool {

// AllocCountingAvailable is false in sanitizer builds (no replacement).
bool AllocCountingAvailable();
// SetAllocCounting switches counting on or off (any thread).
void SetAllocCounting(bool on);
// AllocCount is the number of operator new calls (any form, any thread)
// made while counting was on. Thread-safe; it only grows.
uint64_t AllocCount();

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_ALLOC_H_
