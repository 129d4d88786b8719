// fdlink_microbench entry point; the benchmarks register themselves.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
