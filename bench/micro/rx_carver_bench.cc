// The receive-buffer cycle: take a slot for a read, turn what the read
// filled into a view (or a packet), release it. Chunks turn over through the
// pool, so steady state should not allocate (allocs_per_iter).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "fdlink/buffer/chunk.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/buffer/rx_carver.h"
#include "link/fdbased/packet_reader.h"
#include "micro/bench_support.h"

namespace fdlink::bench {
namespace {

using fdbased::kRxSlotSize;

// Enough reads to turn over several chunks before measuring.
constexpr int kWarmup = 4096;
// Header bytes a read writes in this simulation (the rest of the frame is
// whatever the slot held; a real read's copy is the kernel's cost).
constexpr size_t kWritten = 64;

// FakeRead writes the first bytes of a frame into the carver's slot, as a
// read would, and returns the frame length.
size_t FakeRead(RxCarver& carver, size_t frame_len) {
  std::span<uint8_t> slot = carver.Slot();
  std::memset(slot.data(), 0x45, kWritten);
  return frame_len;
}

// Take a view of each frame and release it at once.
void BM_RxCarverTakeRelease(benchmark::State& state) {
  const size_t len = static_cast<size_t>(state.range(0));
  RxCarver carver(kRxSlotSize);
  for (int i = 0; i < kWarmup; ++i) carver.Take(FakeRead(carver, len));
  const AllocMeter meter;
  for (auto _ : state) {
    View v = carver.Take(FakeRead(carver, len));
    benchmark::DoNotOptimize(v.data());
  }
  meter.Report(state);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RxCarverTakeRelease)->Arg(64)->Arg(1514)->Arg(9014)->Arg(65549);

// The inbound path up to dispatch: view -> packet -> link header consumed,
// with a window of packets still in flight (so chunks turn over while
// packets hold them).
void BM_RxCarverToPacket(benchmark::State& state) {
  const size_t len = static_cast<size_t>(state.range(0));
  RxCarver carver(kRxSlotSize);
  std::vector<PacketBufferPtr> in_flight(64);
  size_t next = 0;
  auto receive_one = [&] {
    PacketBufferPtr p =
        PacketBuffer::FromView(carver.Take(FakeRead(carver, len)));
    if (p->ConsumeLinkHeader(14).empty()) std::abort();
    in_flight[next] = std::move(p);  // Releases the oldest packet.
    next = (next + 1) % in_flight.size();
  };
  for (int i = 0; i < kWarmup; ++i) receive_one();
  const AllocMeter meter;
  for (auto _ : state) receive_one();
  meter.Report(state);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RxCarverToPacket)->Arg(64)->Arg(1514)->Arg(65549);

}  // namespace
}  // namespace fdlink::bench
