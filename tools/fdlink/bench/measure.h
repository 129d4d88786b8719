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
  uint64_t packets = 0;    // Received in the window.
  uint64_t bytes = 0;      // IP bytes received in the window.
  double cpu_seconds = 0;  // Process CPU in the window minus the sender's.
  uint64_t allocs = 0;     // operator new calls in the window.
  uint64_t sent = 0;       // Accepted by the kernel from the flood.
  uint64_t received = 0;   // Counted by the receiver.

  // Add sums another sample into this one.
  void Add(const RunSample& o);
  double pps() const;
  double gbps() const;
  // CpuPerMillion is CPU seconds per million received packets.
  double CpuPerMillion() const;
  // AllocsPerPacket is allocations per received packet in the window.
  double AllocsPerPacket() const;
};

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
