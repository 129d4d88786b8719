// PacketBuffer life cycles: every one should be allocation-free once the
// pools are warm (see the allocs_per_iter counter).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "fdlink/buffer/chunk.h"
#include "fdlink/buffer/packet_buffer.h"
#include "micro/bench_support.h"

namespace fdlink::bench {
namespace {

constexpr int kWarmup = 64;

// Create with room for Ethernet + IPv4 + UDP headers, then release.
void BM_PacketBufferCreate(benchmark::State& state) {
  const std::vector<uint8_t> payload =
      Pattern(static_cast<size_t>(state.range(0)));
  const PacketBufferOptions opts{.reserve_header_bytes = 64,
                                 .payload = payload};
  for (int i = 0; i < kWarmup; ++i) PacketBuffer::Create(opts);
  const AllocMeter meter;
  for (auto _ : state) {
    PacketBufferPtr p = PacketBuffer::Create(opts);
    benchmark::DoNotOptimize(p.get());
  }
  meter.Report(state);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(payload.size()));
}
BENCHMARK(BM_PacketBufferCreate)->Arg(64)->Arg(1500);

// Wrap a received view, hand a second owner out (as delivery does), and
// release both.
void BM_PacketBufferFromViewIncRef(benchmark::State& state) {
  const View frame = View::CopyOf(Pattern(1500));
  for (int i = 0; i < kWarmup; ++i) PacketBuffer::FromView(frame)->IncRef();
  const AllocMeter meter;
  for (auto _ : state) {
    PacketBufferPtr p = PacketBuffer::FromView(frame);
    PacketBufferPtr q = p->IncRef();
    benchmark::DoNotOptimize(q.get());
  }
  meter.Report(state);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PacketBufferFromViewIncRef);

// Clone an outbound packet with 42 bytes of headers (copied) and a
// 1400-byte payload (shared), then release the clone.
void BM_PacketBufferClone(benchmark::State& state) {
  const std::vector<uint8_t> payload = Pattern(1400);
  PacketBufferPtr orig =
      PacketBuffer::Create({.reserve_header_bytes = 64, .payload = payload});
  orig->PushTransportHeader(8);
  orig->PushNetworkHeader(20);
  orig->PushLinkHeader(14);
  for (int i = 0; i < kWarmup; ++i) orig->Clone();
  const AllocMeter meter;
  for (auto _ : state) {
    PacketBufferPtr c = orig->Clone();
    benchmark::DoNotOptimize(c.get());
  }
  meter.Report(state);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PacketBufferClone);

}  // namespace
}  // namespace fdlink::bench
