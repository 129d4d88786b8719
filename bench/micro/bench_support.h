// Shared pieces of the microbenchmarks: test packets and the
// allocations-per-iteration counter.
#ifndef FDLINK_BENCH_MICRO_BENCH_SUPPORT_H_
#define FDLINK_BENCH_MICRO_BENCH_SUPPORT_H_

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fdlink::bench {

// Pattern returns n bytes of a repeating, non-zero pattern.
std::vector<uint8_t> Pattern(size_t n);

// Ipv4UdpPacket returns a well-formed IPv4/UDP packet of `total` bytes
// (>= 28) from 198.18.0.1:1234 to 198.18.0.2:5678, checksums filled in.
std::vector<uint8_t> Ipv4UdpPacket(size_t total);

// Ipv6UdpPacket returns a well-formed IPv6/UDP packet from
// [2001:db8::1]:1234 to [2001:db8::2]:5678 with `payload` UDP payload bytes;
// with `extensions`, a hop-by-hop and a destination-options header (8 bytes
// each, PadN only) sit between the fixed header and UDP.
std::vector<uint8_t> Ipv6UdpPacket(size_t payload, bool extensions);

// AllocMeter measures heap allocations for the "allocs_per_iter" counter:
// construct it just before the timed loop and call Report() right after it
// (before SetItemsProcessed and the like, which allocate).
class AllocMeter {
 public:
  AllocMeter();
  // Report stores the allocations since construction divided by the
  // iterations as state.counters["allocs_per_iter"].
  void Report(benchmark::State& state) const;

 private:
  const uint64_t start_;
};

}  // namespace fdlink::bench

#endif  // FDLINK_BENCH_MICRO_BENCH_SUPPORT_H_
