// A global operator new hook that counts heap allocations, for the benchmark
// binaries only: linking alloc_counter.cc replaces operator new/delete for
// the whole program.
#ifndef FDLINK_BENCH_MICRO_ALLOC_COUNTER_H_
#define FDLINK_BENCH_MICRO_ALLOC_COUNTER_H_

#include <cstdint>

namespace fdlink::bench {

// AllocCount is the number of operator new calls (every form, any thread)
// since the program started. Thread-safe; the count only grows.
uint64_t AllocCount();

}  // namespace fdlink::bench

#endif  // FDLINK_BENCH_MICRO_ALLOC_COUNTER_H_
