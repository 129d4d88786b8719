// fdlink_alloc_check: asserts that the steady-state receive path
// (RxCarver slot/Take -> PacketBuffer::FromView -> ConsumeLinkHeader ->
// release) makes no heap allocation. Exits 1 if it does.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <vector>

#include "alloc_counter/alloc_counter.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/buffer/rx_carver.h"
#include "link/fdbased/packet_reader.h"

namespace fdlink::bench {
namespace {

constexpr int kWarmupPackets = 20000;
constexpr int kPackets = 100000;
constexpr size_t kInFlight = 32;
// Frame lengths cycled through: small, MTU-sized, jumbo and the largest.
constexpr size_t kFrameLens[] = {60, 1514, 590, 9014, 1514, 65549};

// Receiver holds the carver and a small window of packets still in flight,
// like a receive loop whose packets are being processed.
class Receiver {
 public:
  Receiver() : carver_(fdbased::kRxSlotSize), in_flight_(kInFlight) {}

  // ReceiveOne does one read's worth of work; false if a step failed.
  bool ReceiveOne() {
    const size_t len = kFrameLens[n_ % std::size(kFrameLens)];
    std::span<uint8_t> slot = carver_.Slot();
    std::memset(slot.data(), static_cast<int>(n_), 64);  // "The read".
    PacketBufferPtr p = PacketBuffer::FromView(carver_.Take(len));
    if (p->Size() != len || p->ConsumeLinkHeader(14).size() != 14) {
      return false;
    }
    in_flight_[n_ % kInFlight] = std::move(p);  // Releases an older packet.
    ++n_;
    return true;
  }
  // ReleaseAll drops every packet still in flight.
  void ReleaseAll() {
    for (PacketBufferPtr& p : in_flight_) p.reset();
  }

 private:
  RxCarver carver_;
  std::vector<PacketBufferPtr> in_flight_;
  size_t n_ = 0;
};

int Run() {
  SetAllocCounting(true);
  Receiver rx;
  for (int i = 0; i < kWarmupPackets; ++i) {
    if (!rx.ReceiveOne()) {
      std::fputs("alloc_check: receive failed during warm-up\n", stderr);
      return 1;
    }
  }
  const uint64_t before = AllocCount();
  for (int i = 0; i < kPackets; ++i) {
    if (!rx.ReceiveOne()) {
      std::fputs("alloc_check: receive failed\n", stderr);
      return 1;
    }
  }
  const uint64_t allocs = AllocCount() - before;
  rx.ReleaseAll();
  std::printf("alloc_check: %llu allocations in %d packets\n",
              static_cast<unsigned long long>(allocs), kPackets);
  if (PacketBuffer::LiveCount() != 0) {
    std::fputs("alloc_check: packets left alive\n", stderr);
    return 1;
  }
  return allocs == 0 ? 0 : 1;
}

}  // namespace
}  // namespace fdlink::bench

int main() { return fdlink::bench::Run(); }
