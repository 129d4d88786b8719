// `fdlink bench` orchestration: for each case, alternate limit and fdlink
// runs on fresh links, then time detaches under a flood.
#include "bench/run.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "alloc_counter/alloc_counter.h"
#include "bench/link.h"
#include "bench/measure.h"
#include "bench/receiver.h"
#include "bench/report.h"
#include "common/cli_status.h"
#include "fdlink/sys/self_sys.h"

namespace fdlink::tool {
namespace {

using bench::AllocCountingAvailable;
using bench::SetAllocCounting;

using fdbased::PacketDispatchMode;

// Median of a non-empty list (0 when empty).
double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// BenchRunner holds the options and the report for one invocation.
class BenchRunner {
 public:
  BenchRunner(const BenchOptions& opts, BenchReport& report)
      : opts_(opts), report_(report) {
    plan_.seconds = opts.seconds;
    plan_.warmup_seconds = std::clamp(opts.seconds / 5, 0.02, 0.25);
    plan_.cpus = MakeCpuPlan(opts.pin);
  }

  // RunCase measures one case; false when something failed (reported).
  // Each round runs the limit and every processor count on fresh links,
  // the order turning round by round so that drift in the machine's load
  // favours none; the ratio to the limit is the median of the rounds'
  // paired ratios.
  bool RunCase(const BenchCase& c) {
    const size_t n = opts_.processors.size();
    RunSample limit;
    std::vector<RunSample> fdlink(n);
    std::vector<std::vector<double>> ratios(n);
    for (int round = 0; round < opts_.rounds; ++round) {
      RunSample lim;
      std::vector<RunSample> fl(n);
      const bool limit_first = round % 2 == 0;
      if (limit_first && !Measure(c, *MakeLimitReceiver(c.mode), &lim))
        return false;
      for (size_t i = 0; i < n; ++i) {
        auto rx = MakeFdlinkReceiver(c.mode, opts_.processors[i]);
        if (!Measure(c, *rx, &fl[i])) return false;
      }
      if (!limit_first && !Measure(c, *MakeLimitReceiver(c.mode), &lim))
        return false;
      limit.Add(lim);
      for (size_t i = 0; i < n; ++i) {
        fdlink[i].Add(fl[i]);
        if (lim.pps() > 0) ratios[i].push_back(fl[i].pps() / lim.pps());
      }
    }
    bool ok = limit.packets > 0;
    for (const RunSample& s : fdlink) ok = ok && s.packets > 0;
    if (!ok) report_.Note("a run received no packets");
    // Detach samples go on the fdlink lines, so each line is complete.
    std::vector<std::optional<DetachStats>> detach(n);
    if (opts_.detach_cycles > 0) {
      for (size_t i = 0; i < n; ++i)
        ok = Detach(c, opts_.processors[i], &detach[i]) && ok;
    }
    report_.Throughput(c, "limit", 1, limit, std::nullopt, nullptr);
    for (size_t i = 0; i < n; ++i) {
      report_.Throughput(c, "fdlink", opts_.processors[i], fdlink[i],
                         Median(ratios[i]), detach[i] ? &*detach[i] : nullptr);
    }
    return ok;
  }

 private:
  bool Fail(const BenchCase& c, const Error& e) {
    report_.Note(std::string(BenchKindName(c.kind)) + "/" +
                 std::string(fdbased::DispatchModeName(c.mode)) + "/" +
                 std::to_string(c.size) + ": " + e.ToString());
    return false;
  }

  bool Measure(const BenchCase& c, Receiver& rx, RunSample* sum) {
    Result<std::unique_ptr<BenchLink>> link = OpenBenchLink(c.kind, c.size);
    if (!link) return Fail(c, link.error());
    Result<RunSample> s = MeasureRun(**link, rx, plan_);
    if (!s) return Fail(c, s.error());
    sum->Add(*s);
    return true;
  }

  // Detach times detaches under a flood into *out.
  bool Detach(const BenchCase& c, uint32_t processors,
              std::optional<DetachStats>* out) {
    Result<std::unique_ptr<BenchLink>> link = OpenBenchLink(c.kind, c.size);
    if (!link) return Fail(c, link.error());
    if (Result<void> r = (*link)->flood().Start(plan_.cpus.sender); !r)
      return Fail(c, r.error());
    // Each Attach starts the endpoint's threads on the receiver's CPUs.
    ScopedThreadCpus place(plan_.cpus.receiver);
    Result<DetachStats> stats = MeasureDetach((*link)->rx_fd(), c.mode,
                                              processors, opts_.detach_cycles);
    (*link)->flood().Stop();
    if (!stats) return Fail(c, stats.error());
    *out = std::move(*stats);
    return true;
  }

  const BenchOptions& opts_;
  BenchReport& report_;
  RunPlan plan_;
};

// Resolve fills the empty lists with their defaults.
BenchOptions Resolve(const BenchOptions& in, bool root) {
  BenchOptions o = in;
  if (o.kinds.empty()) {
    o.kinds = {BenchKind::kSeqpacket, BenchKind::kDgram};
    if (root) o.kinds.push_back(BenchKind::kTun);
  }
  if (o.modes.empty())
    o.modes = {PacketDispatchMode::kReadv, PacketDispatchMode::kRecvMMsg};
  if (o.sizes.empty()) o.sizes = {64, 1400};
  if (o.processors.empty()) o.processors = {1, 2};
  return o;
}

}  // namespace

int RunBench(const BenchOptions& in) {
  const bool root = sys::IsRoot();
  const BenchOptions opts = Resolve(in, root);
  const bool count = opts.count_allocs && AllocCountingAvailable();
  BenchReport report(opts.json, count);
  if (opts.count_allocs && !count)
    report.Note("allocation counting is unavailable in sanitizer builds");
  SetAllocCounting(count);
  BenchRunner runner(opts, report);
  bool ok = true;
  int measured = 0;
  for (BenchKind kind : opts.kinds) {
    if (kind == BenchKind::kTun && !root) {
      report.Note("skipping tun: needs root (a TUN device in a namespace)");
      continue;
    }
    for (PacketDispatchMode mode : opts.modes) {
      if (kind == BenchKind::kTun && mode == PacketDispatchMode::kRecvMMsg) {
        report.Note(
            "skipping tun/recvmmsg: a TUN fd is not a socket, so the endpoint "
            "(like gVisor's) reads it in readv mode");
        continue;
      }
      if (mode == PacketDispatchMode::kPacketMmap) {
        report.Note(std::string("skipping ") +
                    std::string(BenchKindName(kind)) +
                    "/packet_mmap: the mode needs AF_PACKET sockets, and no "
                    "bench kind is one yet");
        continue;
      }
      for (size_t size : opts.sizes) {
        ok = runner.RunCase({kind, mode, size}) && ok;
        ++measured;
      }
    }
  }
  SetAllocCounting(false);
  if (measured == 0) {
    return ReportError("bench", kExitFailure,
                       "nothing was measured: every case asked for was "
                       "skipped (see the notes above)",
                       opts.json);
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace fdlink::tool
