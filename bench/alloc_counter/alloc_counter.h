// Heap allocation counting for the benchmarks: linking the
// fdlink_alloc_counter object library replaces the global operator
// new/delete of the whole program with thin wrappers over malloc/free that
// increment one atomic while counting is switched on; while it is off the
// only cost is one relaxed load per allocation. Sanitizer builds keep the
// sanitizer's allocator and cannot count. Used by the micro-benchmarks,
// fdlink_alloc_check and `fdlink bench`.
#ifndef FDLINK_BENCH_ALLOC_COUNTER_ALLOC_COUNTER_H_
#define FDLINK_BENCH_ALLOC_COUNTER_ALLOC_COUNTER_H_

#include <cstdint>

namespace fdlink::bench {

// AllocCountingAvailable is false in sanitizer builds (no replacement).
bool AllocCountingAvailable();
// SetAllocCounting switches counting on or off (any thread); it starts off.
void SetAllocCounting(bool on);
// AllocCount is the number of operator new calls (every form, any thread)
// made while counting was on. Thread-safe; it only grows.
uint64_t AllocCount();

}  // namespace fdlink::bench

#endif  // FDLINK_BENCH_ALLOC_COUNTER_ALLOC_COUNTER_H_
