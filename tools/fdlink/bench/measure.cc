#include "bench/measure.h"

#include <chrono>
#include <thread>

#include "alloc_counter/alloc_counter.h"
#include "fdlink/sys/clock_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

using bench::AllocCount;

using Clock = std::chrono::steady_clock;

// kDrain is how long the receiver keeps reading after the flood stops, so
// `received` includes what was queued.
constexpr std::chrono::milliseconds kDrain(30);

// Snapshot is the state sampled at each end of the window.
struct Snapshot {
  Clock::time_point at;
  uint64_t packets = 0, bytes = 0, payload = 0, reads = 0, delivered = 0;
  uint64_t allocs = 0;
  uint64_t waits = 0;
  double process_cpu = 0, sender_cpu = 0;
};

Snapshot Take(BenchLink& link, const Receiver& rx) {
  Snapshot s;
  s.at = Clock::now();
  s.packets = rx.Packets();
  s.bytes = rx.Bytes();
  s.payload = rx.PayloadBytes();
  s.reads = rx.Reads();
  s.delivered = rx.Delivered();
  s.waits = link.flood().waits();
  s.allocs = AllocCount();
  s.process_cpu = sys::ProcessCpuSeconds();
  s.sender_cpu = link.flood().CpuSeconds();
  return s;
}

double Per(double num, double den) { return den > 0 ? num / den : 0; }

}  // namespace

void RunSample::Add(const RunSample& o) {
  seconds += o.seconds;
  packets += o.packets;
  bytes += o.bytes;
  payload += o.payload;
  reads += o.reads;
  delivered += o.delivered;
  tx_packets += o.tx_packets;
  tx_coalesced += o.tx_coalesced;
  sender_waits += o.sender_waits;
  cpu_seconds += o.cpu_seconds;
  allocs += o.allocs;
  sent += o.sent;
  received += o.received;
}

double RunSample::pps() const {
  return Per(static_cast<double>(packets), seconds);
}
double RunSample::gbps() const {
  return Per(static_cast<double>(bytes) * 8 / 1e9, seconds);
}
double RunSample::PayloadGbps() const {
  return Per(static_cast<double>(payload) * 8 / 1e9, seconds);
}
double RunSample::SegmentsPerRead() const {
  return Per(static_cast<double>(packets), static_cast<double>(reads));
}
double RunSample::GroRatio() const {
  return Per(static_cast<double>(packets), static_cast<double>(delivered));
}
double RunSample::LostPercent() const {
  if (sent == 0 || received >= sent) return 0;
  return 100.0 * static_cast<double>(sent - received) /
         static_cast<double>(sent);
}
double RunSample::RxCpuShare() const { return Per(cpu_seconds, seconds); }
const char* RunSample::Bottleneck() const {
  return LostPercent() >= kReaderBoundLossPercent || sender_waits > 0
             ? "reader"
             : "sender";
}
double RunSample::CpuPerMillion() const {
  return Per(cpu_seconds * 1e6, static_cast<double>(packets));
}
double RunSample::AllocsPerPacket() const {
  return Per(static_cast<double>(allocs), static_cast<double>(packets));
}

CpuPlan MakeCpuPlan(bool pin) {
  CpuPlan plan;
  if (!pin) return plan;
  Result<std::vector<int>> cpus = sys::ThreadCpus();
  if (!cpus || cpus->size() < 2) return plan;
  plan.sender = cpus->front();
  plan.receiver.assign(cpus->begin() + 1, cpus->end());
  return plan;
}

ScopedThreadCpus::ScopedThreadCpus(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  Result<std::vector<int>> now = sys::ThreadCpus();
  if (!now || !sys::SetThreadCpus(cpus)) return;
  saved_ = std::move(*now);
}

ScopedThreadCpus::~ScopedThreadCpus() {
  if (!saved_.empty()) (void)sys::SetThreadCpus(saved_);
}

Result<RunSample> MeasureRun(BenchLink& link, Receiver& rx,
                             const RunPlan& plan) {
  {
    // The receiver's threads start here and inherit the placement.
    ScopedThreadCpus place(plan.cpus.receiver);
    if (Result<void> r = rx.Start(link.rx_fd()); !r) return r.error();
  }
  if (Result<void> r = link.flood().Start(plan.cpus.sender); !r) {
    rx.Stop();
    return r.error();
  }
  std::this_thread::sleep_for(
      std::chrono::duration<double>(plan.warmup_seconds));
  const Snapshot a = Take(link, rx);
  std::this_thread::sleep_for(std::chrono::duration<double>(plan.seconds));
  const Snapshot b = Take(link, rx);
  link.flood().Stop();
  std::this_thread::sleep_for(kDrain);
  rx.Stop();

  RunSample s;
  s.seconds = std::chrono::duration<double>(b.at - a.at).count();
  s.packets = b.packets - a.packets;
  s.bytes = b.bytes - a.bytes;
  s.payload = b.payload - a.payload;
  s.reads = b.reads - a.reads;
  s.delivered = b.delivered - a.delivered;
  s.sender_waits = b.waits - a.waits;
  s.cpu_seconds =
      (b.process_cpu - a.process_cpu) - (b.sender_cpu - a.sender_cpu);
  if (s.cpu_seconds < 0) s.cpu_seconds = 0;
  s.allocs = b.allocs - a.allocs;
  s.sent = link.flood().sent();
  s.received = rx.Packets();
  return s;
}

}  // namespace fdlink::tool
