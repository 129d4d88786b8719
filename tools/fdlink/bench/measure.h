// One measured benchmark run: a fresh link, a receiver, a flood, a warm-up
// and a timed window in which packets, bytes, CPU time and heap
// allocations are sampled.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_MEASURE_H_
#define FDLINK_TOOLS_FDLINK_BENCH_MEASURE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "bench/link.h"
#include "bench/receiver.h"
#include "fdlink/base/result.h"

namespace fdlink::tool {

// RunSample is what one run (or a sum of runs) measured. The window fields
// cover only the timed window after the warm-up; sent and received cover
// the whole run (the receiver drains for a moment after the flood stops).
struct RunSample {
  double seconds = 0;      // Window length.
  uint64_t packets = 0;    // Wire packets received in the window.
  uint64_t bytes = 0;      // IP bytes received in the window.
  uint64_t payload = 0;    // UDP payload bytes received in the window.
  uint64_t reads = 0;      // Frames read from the kernel in the window.
  uint64_t delivered = 0;  // Packets handed to the dispatcher, in window.
  // Transmit (whole run): packets the endpoint wrote, and how many of them
  // went inside coalesced super-packet writes.
  uint64_t tx_packets = 0;
  uint64_t tx_coalesced = 0;
  double cpu_seconds = 0;     // Process CPU in the window minus the sender's.
  uint64_t allocs = 0;        // operator new calls in the window.
  uint64_t sender_waits = 0;  // Times the flood waited for room, in window.
  uint64_t sent = 0;      // Wire packets the kernel accepted from the flood.
  uint64_t received = 0;  // Wire packets counted by the receiver.

  // Add sums another sample into this one.
  void Add(const RunSample& o);
  double pps() const;
  double gbps() const;
  // PayloadGbps is UDP payload Gbit/s in the window.
  double PayloadGbps() const;
  // SegmentsPerRead is wire packets per frame read (1 without offload).
  double SegmentsPerRead() const;
  // GroRatio is wire packets per delivered packet (1 without GRO).
  double GroRatio() const;
  // LostPercent is (sent - received) / sent over the whole run.
  double LostPercent() const;
  // RxCpuShare is the receiver's CPU time over the window (1.0: one core).
  double RxCpuShare() const;
  // Bottleneck names the side that set the rate (docs/BENCHMARKS.md):
  // "reader" when the link lost at least kReaderBoundLossPercent of what was
  // sent (the kernel's queue overflowed) or the sender had to wait for room
  // in the window (a flow-controlled link was full); otherwise "sender"
  // (everything offered was taken, and the sender never waited).
  const char* Bottleneck() const;
  // CpuPerMillion is CPU seconds per million received packets.
  double CpuPerMillion() const;
  // AllocsPerPacket is allocations per received packet in the window.
  double AllocsPerPacket() const;
};

// kReaderBoundLossPercent is the loss from which a run counts as bound by
// its reader.
inline constexpr double kReaderBoundLossPercent = 1.0;

// CpuPlan places a run's threads: the sender alone on one CPU and the
// receiver's threads on the others, so the two never queue for one core
// and every run gets the same placement. Empty: the scheduler decides.
struct CpuPlan {
  std::optional<int> sender;
  std::vector<int> receiver;
};

// MakeCpuPlan gives the sender the first CPU this process may use and the
// receiver the rest; empty when `pin` is false or fewer than 2 CPUs.
CpuPlan MakeCpuPlan(bool pin);

// ScopedThreadCpus restricts the calling thread, and so the threads it
// starts meanwhile, to `cpus` (nothing when empty) and restores its set
// when destroyed.
class ScopedThreadCpus {
 public:
  explicit ScopedThreadCpus(const std::vector<int>& cpus);
  ~ScopedThreadCpus();
  ScopedThreadCpus(const ScopedThreadCpus&) = delete;
  ScopedThreadCpus& operator=(const ScopedThreadCpus&) = delete;

 private:
  std::vector<int> saved_;  // Empty: nothing to restore.
};

// RunPlan is the timing and placement of one run.
struct RunPlan {
  double warmup_seconds = 0.2;
  double seconds = 1.0;
  CpuPlan cpus;
};

// MeasureRun starts `rx` on the link, starts the flood, waits the warm-up,
// samples, waits the window, samples, then stops the flood, lets the
// receiver drain briefly and stops it. Errors when either side cannot
// start.
Result<RunSample> MeasureRun(BenchLink& link, Receiver& rx,
                             const RunPlan& plan);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_MEASURE_H_
