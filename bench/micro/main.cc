// fdlink_microbench entry point; the benchmarks register themselves. The
// allocation counter (allocs_per_iter) counts from the start.
#include <benchmark/benchmark.h>

#include "alloc_counter/alloc_counter.h"

int main(int argc, char** argv) {
  fdlink::bench::SetAllocCounting(true);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
