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
#include "bench/tx.h"
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

// kMaxGroBatch is the recvmmsg batch of the GRO case (GRO merges within
// one batch).
constexpr size_t kMaxGroBatch = 64;

// Arm is one receiver a case measures: which receiver, on which link (the
// offloaded TUN or the plain one), and which other arm its ratios refer to.
struct Arm {
  RowInfo row;
  bool offload_link = false;             // The TUN with a virtio-net header.
  bool gro = true;                       // The endpoint's receive GRO.
  std::optional<size_t> limit_arm;       // For ratio_to_limit.
  std::optional<size_t> no_offload_arm;  // For ratio_to_no_offload.
  bool detach = false;                   // Time detaches for this arm.
  std::optional<size_t> recvmmsg_arm = std::nullopt;   // ratio_to_recvmmsg
  std::optional<size_t> unwrapped_arm = std::nullopt;  // ratio_to_unwrapped
};

// Arms lists a case's receivers. Plain kinds: the limit, then fdlink at each
// processor count (and with --sniffer, fdlink at the first count again
// through a capture-off sniffer). tun-offload, on one receive core: the limit
// and fdlink (super-packets whole, and split) on the offloaded TUN, then the
// limit and fdlink on the plain TUN with the same sender.
std::vector<Arm> Arms(const BenchCase& c, const BenchOptions& opts) {
  std::vector<Arm> arms;
  if (c.kind == BenchKind::kGro) {
    // A super-packet dispatcher with GRO on and off, one processor, against
    // the limit; all read kMaxGroBatch messages per recvmmsg.
    arms.push_back(
        Arm{RowInfo{"limit"}, false, true, std::nullopt, std::nullopt});
    arms.push_back(Arm{RowInfo{"fdlink", 1, 0, false, DeliveryKind::kSuper},
                       false, true, 0, 2});
    arms.push_back(Arm{RowInfo{"fdlink", 1, 0, false, DeliveryKind::kSuper},
                       false, false, 0, std::nullopt});
    return arms;
  }
  if (c.kind == BenchKind::kVeth && c.mode == PacketDispatchMode::kPacketMmap) {
    // The bare recvmmsg loop (the limit), fdlink's packet_mmap and fdlink's
    // recvmmsg on the same kind of link, at each processor count.
    RowInfo limit{"limit"};
    limit.mode = PacketDispatchMode::kRecvMMsg;
    arms.push_back(Arm{limit, false, true, std::nullopt, std::nullopt});
    for (uint32_t p : opts.processors) {
      const size_t mmap = arms.size();
      arms.push_back(Arm{RowInfo{"fdlink", p}, false, true, 0, std::nullopt,
                         false, mmap + 1});
      RowInfo rv{"fdlink", p};
      rv.mode = PacketDispatchMode::kRecvMMsg;
      arms.push_back(Arm{rv, false, true, 0, std::nullopt});
    }
    return arms;
  }
  if (c.kind != BenchKind::kTunOffload) {
    arms.push_back(
        Arm{RowInfo{"limit"}, false, true, std::nullopt, std::nullopt});
    for (uint32_t p : opts.processors) {
      arms.push_back(Arm{RowInfo{"fdlink", p}, false, true, 0, std::nullopt,
                         opts.detach_cycles > 0});
    }
    if (opts.sniffer && c.kind != BenchKind::kVeth) {
      RowInfo s{"fdlink", opts.processors.front()};
      s.delivery = DeliveryKind::kSniffed;
      arms.push_back(
          Arm{s, false, true, 0, std::nullopt, false, std::nullopt, 1});
    }
    return arms;
  }
  arms.push_back(Arm{RowInfo{"limit"}, true, true, std::nullopt, std::nullopt});
  arms.push_back(Arm{RowInfo{"fdlink", 1, 0, false, DeliveryKind::kSuper}, true,
                     true, 0, 3});
  arms.push_back(Arm{RowInfo{"fdlink", 1, 0, false, DeliveryKind::kSplit}, true,
                     true, 0, 3});
  arms.push_back(Arm{RowInfo{"fdlink", 1}, false, true, 4, std::nullopt});
  arms.push_back(
      Arm{RowInfo{"limit"}, false, true, std::nullopt, std::nullopt});
  return arms;
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
  // Each round runs every arm on fresh links, the order reversed every
  // other round so that drift in the machine's load favours none; each
  // ratio is the median of the rounds' paired ratios.
  bool RunCase(const BenchCase& c) {
    if (c.kind == BenchKind::kTunTx) return RunTxCase(c, opts_, plan_, report_);
    std::vector<Arm> arms = Arms(c, opts_);
    const size_t n = arms.size();
    std::vector<RunSample> sums(n);
    std::vector<std::vector<double>> to_limit(n), to_no_offload(n),
        to_recvmmsg(n), to_unwrapped(n);
    for (int round = 0; round < opts_.rounds; ++round) {
      std::vector<RunSample> got(n);
      for (size_t k = 0; k < n; ++k) {
        const size_t i = round % 2 == 0 ? k : n - 1 - k;
        if (!Measure(c, &arms[i], &got[i])) return false;
      }
      for (size_t i = 0; i < n; ++i) {
        sums[i].Add(got[i]);
        const Arm& a = arms[i];
        if (a.limit_arm && got[*a.limit_arm].pps() > 0)
          to_limit[i].push_back(got[i].pps() / got[*a.limit_arm].pps());
        if (a.recvmmsg_arm && got[*a.recvmmsg_arm].pps() > 0)
          to_recvmmsg[i].push_back(got[i].pps() / got[*a.recvmmsg_arm].pps());
        if (a.unwrapped_arm && got[*a.unwrapped_arm].pps() > 0) {
          to_unwrapped[i].push_back(got[i].pps() / got[*a.unwrapped_arm].pps());
        }
        if (a.no_offload_arm && got[*a.no_offload_arm].pps() > 0) {
          to_no_offload[i].push_back(got[i].pps() /
                                     got[*a.no_offload_arm].pps());
        }
      }
    }
    bool ok = true;
    for (const RunSample& s : sums) ok = ok && s.packets > 0;
    if (!ok) report_.Note("a run received no packets");
    // Detach samples go on the fdlink lines, so each line is complete.
    std::vector<std::optional<DetachStats>> detach(n);
    for (size_t i = 0; i < n; ++i) {
      if (arms[i].detach)
        ok = Detach(c, arms[i].row.processors, &detach[i]) && ok;
    }
    for (size_t i = 0; i < n; ++i) {
      RowRatios r;
      if (!to_limit[i].empty()) r.to_limit = Median(to_limit[i]);
      if (!to_no_offload[i].empty()) r.to_no_offload = Median(to_no_offload[i]);
      if (!to_recvmmsg[i].empty()) r.to_recvmmsg = Median(to_recvmmsg[i]);
      if (!to_unwrapped[i].empty()) r.to_unwrapped = Median(to_unwrapped[i]);
      report_.Throughput(c, arms[i].row, sums[i], r,
                         detach[i] ? &*detach[i] : nullptr);
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

  // Measure runs `arm` once on a fresh link into *out; the link's format
  // (virtio-net header, offloads) is recorded in the arm's row.
  bool Measure(const BenchCase& c, Arm* arm, RunSample* out) {
    Result<std::unique_ptr<BenchLink>> link =
        OpenBenchLink(c.kind, c.size, arm->offload_link);
    if (!link) return Fail(c, link.error());
    RxFormat format;
    format.vnet_header = (*link)->vnet_header();
    format.offloads = (*link)->offloads();
    format.gro = arm->gro;
    arm->row.gro =
        c.kind == BenchKind::kGro && arm->gro && arm->row.impl == "fdlink";
    if (c.kind == BenchKind::kGro) format.max_msgs_per_recv = kMaxGroBatch;
    format.link_header = (*link)->link_header();
    format.address = (*link)->address();
    arm->row.vnet_header = format.vnet_header;
    arm->row.offloads = format.offloads;
    const PacketDispatchMode mode = arm->row.mode ? *arm->row.mode : c.mode;
    std::unique_ptr<Receiver> rx =
        arm->row.impl == "limit"
            ? MakeLimitReceiver(mode, format)
            : MakeFdlinkReceiver(mode, arm->row.processors, format,
                                 arm->row.delivery);
    Result<RunSample> s = MeasureRun(**link, *rx, plan_);
    if (!s) return Fail(c, s.error());
    *out = *s;
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
    o.kinds = {BenchKind::kSeqpacket, BenchKind::kDgram, BenchKind::kGro};
    if (root) {
      o.kinds.push_back(BenchKind::kTun);
      o.kinds.push_back(BenchKind::kTunOffload);
      o.kinds.push_back(BenchKind::kTunTx);
    }
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
    const bool tun = kind == BenchKind::kTun ||
                     kind == BenchKind::kTunOffload ||
                     kind == BenchKind::kTunTx;
    const bool veth = kind == BenchKind::kVeth;
    if ((tun || veth) && !root) {
      report.Note(std::string("skipping ") + std::string(BenchKindName(kind)) +
                  ": needs root (a device in a namespace)");
      continue;
    }
    // The veth kind's default is its packet_mmap case, which measures the
    // recvmmsg loop and fdlink's recvmmsg mode next to packet_mmap.
    const std::vector<PacketDispatchMode> veth_default = {
        PacketDispatchMode::kPacketMmap};
    for (PacketDispatchMode mode :
         veth&& in.modes.empty() ? veth_default : opts.modes) {
      if (veth && mode == PacketDispatchMode::kReadv) {
        report.Note(
            "skipping veth/readv: the veth case compares packet_mmap "
            "and recvmmsg");
        continue;
      }
      if (kind == BenchKind::kGro && mode == PacketDispatchMode::kReadv) {
        report.Note("skipping gro/readv: GRO works within a recvmmsg batch");
        continue;
      }
      if (tun && mode == PacketDispatchMode::kRecvMMsg) {
        report.Note("skipping " + std::string(BenchKindName(kind)) +
                    "/recvmmsg: a TUN fd is not a socket, so the endpoint "
                    "(like gVisor's) reads it in readv mode");
        continue;
      }
      if (mode == PacketDispatchMode::kPacketMmap && !veth) {
        report.Note(std::string("skipping ") +
                    std::string(BenchKindName(kind)) +
                    "/packet_mmap: the mode needs AF_PACKET sockets (--kind "
                    "veth)");
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
