// The Internet checksum over packet-sized buffers.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "fdlink/header/checksum.h"
#include "micro/bench_support.h"

namespace fdlink::bench {
namespace {

void BM_Checksum(benchmark::State& state) {
  const std::vector<uint8_t> buf = Pattern(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    uint16_t sum = header::Checksum(buf);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(buf.size()));
}
BENCHMARK(BM_Checksum)->Arg(64)->Arg(1500)->Arg(65535);

}  // namespace
}  // namespace fdlink::bench
