// FlowHash: the per-packet cost of picking an inbound processor.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fdlink/header/mac_address.h"
#include "link/fdbased/flow_hash.h"
#include "micro/bench_support.h"

namespace fdlink::bench {
namespace {

void RunFlowHash(benchmark::State& state, NetworkProtocolNumber proto,
                 const std::vector<uint8_t>& pkt) {
  if (fdbased::FlowHash(7, proto, pkt) == 0) std::abort();  // Must parse.
  uint32_t seed = 7;
  for (auto _ : state) {
    uint32_t h = fdbased::FlowHash(seed, proto, pkt);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_FlowHashIpv4Udp(benchmark::State& state) {
  RunFlowHash(state, kIPv4ProtocolNumber, Ipv4UdpPacket(64));
}
BENCHMARK(BM_FlowHashIpv4Udp);

void BM_FlowHashIpv6Udp(benchmark::State& state) {
  RunFlowHash(state, kIPv6ProtocolNumber,
              Ipv6UdpPacket(16, /*extensions=*/false));
}
BENCHMARK(BM_FlowHashIpv6Udp);

}  // namespace
}  // namespace fdlink::bench
