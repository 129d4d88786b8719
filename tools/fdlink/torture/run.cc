// The torture's control thread: builds generation after generation (fresh
// socketpairs and endpoint), attaches a new heap-allocated dispatcher,
// pauses a random 0..N us, detaches, measures the detach and deletes the
// dispatcher at once, while the generation's threads flood and poke the
// endpoint. Then it checks the run and prints the result.
#include "torture/run.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "fdlink/base/lockdep.h"
#include "fdlink/buffer/packet_buffer.h"
#include "torture/dispatcher.h"
#include "torture/generation.h"
#include "torture/report.h"
#include "torture/state.h"
#include "torture/veth.h"
#include "torture/watchdog.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;
// A generation lasts kMinGeneration plus up to kGenerationJitter.
constexpr auto kMinGeneration = std::chrono::milliseconds(100);
constexpr uint64_t kGenerationJitterMs = 400;
// About one generation in this many ends with Close() while attached.
constexpr uint64_t kCloseAttachedOneIn = 3;
// About one dispatcher in this many detaches itself from a delivery.
constexpr uint64_t kSelfDetacherOneIn = 4;

// Control runs the attach/detach cycles. It lives on the calling thread.
class Control {
 public:
  Control(const TortureOptions& o, TortureContext& ctx, WatchdogSlot* slot,
          const TortureVeth* veth)
      : o_(o), ctx_(ctx), c_(*ctx.counters), slot_(slot), veth_(veth) {}

  // Run runs generations until the time or cycle limit; false (with a
  // message on stderr) if a generation could not be built.
  bool Run() {
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(o_.seconds));
    for (uint64_t n = 0; !Done(); ++n) {
      const Clock::time_point end = std::min(
          deadline_, Clock::now() + kMinGeneration +
                         std::chrono::milliseconds(
                             ThreadRng().Below(kGenerationJitterMs + 1)));
      GenerationConfig gc;
      gc.opts = &o_;
      gc.ctx = &ctx_;
      gc.ethernet = veth_ != nullptr || n % 2 == 1;
      gc.veth = veth_;
      gc.end = end;
      Result<std::unique_ptr<Generation>> g = [&] {
        OpScope op(slot_, "build socketpairs and endpoint");
        return Generation::Create(gc);
      }();
      if (!g) {
        std::fprintf(stderr, "fdlink torture: %s\n",
                     g.error().ToString().c_str());
        return false;
      }
      if (n == 0) {
        mode_in_use_ = (*g)->ep().DispatchModeInUse();
        mode_fallback_ = (*g)->ep().DispatchModeFallback();
      }
      while (!Done() && Clock::now() < end) Cycle(**g);
      if (!Done() && ThreadRng().OneIn(kCloseAttachedOneIn))
        CloseWhileAttached(**g);
      (*g)->Finish(slot_);
      c_.generations.fetch_add(1);
    }
    return true;
  }

  LatencyStats& detach() { return detach_; }
  // The mode the first generation's endpoint used, and why it is not the
  // one asked for (empty: it is).
  fdbased::PacketDispatchMode mode_in_use() const { return mode_in_use_; }
  std::string_view mode_fallback() const { return mode_fallback_; }

 private:
  bool Done() const {
    return Clock::now() >= deadline_ ||
           (o_.cycles != 0 && c_.cycles.load() >= o_.cycles);
  }

  TortureDispatcher* Attach(Generation& g) {
    auto* d = new TortureDispatcher(
        ++next_id_, &g.ep(), ThreadRng().OneIn(kSelfDetacherOneIn), &ctx_);
    g.OpenCallbacks();
    OpScope op(slot_, "Attach(dispatcher)");
    g.ep().Attach(d);
    return d;
  }

  void Pause() {
    const uint64_t us = ThreadRng().Below(uint64_t{o_.max_pause_us} + 1);
    if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
  }

  // Retire runs right after the detach (or Close) returned: from here on a
  // callback is late. Then the dispatcher is deleted at once.
  void Retire(Generation& g, TortureDispatcher* d) {
    if (!g.CloseCallbacks())
      ReportLate(ctx_, "closed callback still running", d->id());
    if (!d->MarkDetached())
      ReportLate(ctx_, "DeliverNetworkPacket still running", d->id());
    c_.packets.fetch_add(d->Delivered());
    delete d;
  }

  void Cycle(Generation& g) {
    TortureDispatcher* d = Attach(g);
    Pause();
    const Clock::time_point t0 = Clock::now();
    {
      OpScope op(slot_, "Attach(nullptr)");
      g.ep().Attach(nullptr);
    }
    const Clock::duration dt = Clock::now() - t0;
    detach_.Add(dt);
    const int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(dt).count();
    if (ns > c_.detach_max_ns.load()) c_.detach_max_ns.store(ns);
    Retire(g, d);
    c_.cycles.fetch_add(1);
  }

  // CloseWhileAttached ends a generation the other way: Close() detaches.
  void CloseWhileAttached(Generation& g) {
    TortureDispatcher* d = Attach(g);
    Pause();
    g.StopCallers(slot_);
    {
      OpScope op(slot_, "Endpoint::Close while attached");
      g.ep().Close();
    }
    Retire(g, d);
    c_.close_detaches.fetch_add(1);
  }

  const TortureOptions& o_;
  TortureContext& ctx_;
  TortureCounters& c_;
  WatchdogSlot* const slot_;
  const TortureVeth* const veth_;
  fdbased::PacketDispatchMode mode_in_use_;
  std::string_view mode_fallback_;  // A static string (LinkConfig).
  Clock::time_point deadline_;
  uint64_t next_id_ = 0;
  LatencyStats detach_;
};

}  // namespace

int RunTorture(const TortureOptions& opts) {
  // The endpoint's writes do not pass MSG_NOSIGNAL, and on some fd types
  // (stream sockets) a write after the peer closed raises SIGPIPE; the
  // peers here close mid-flight, so the torture ignores the signal.
  std::signal(SIGPIPE, SIG_IGN);
  const uint64_t seed =
      opts.seed != 0
          ? opts.seed
          : (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  SetRunSeed(seed);
  const size_t lockdep_base = lockdep::ReportCount();
  lockdep::SetReportHandler([](const std::string& report) {
    std::fprintf(stderr, "fdlink torture: lockdep report:\n%s\n",
                 report.c_str());
  });

  TortureCounters counters;
  SyncLatency callback_detach;
  const Clock::time_point start = Clock::now();
  Watchdog watchdog(std::chrono::milliseconds(opts.hang_ms), [&] {
    TortureReport r;
    SnapshotCounters(counters, &r);
    r.hangs = 1;
    r.seed = seed;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.detach_max_us = static_cast<double>(counters.detach_max_ns.load()) / 1e3;
    r.lockdep_reports = lockdep::ReportCount() - lockdep_base;
    r.live_packets_at_end = PacketBuffer::LiveCount();
    PrintReport(opts, r);
  });
  TortureContext ctx{&counters, &watchdog, &callback_detach};
  std::unique_ptr<TortureVeth> veth;
  if (EffectiveLink(opts) == TortureLink::kVeth) {
    Result<std::unique_ptr<TortureVeth>> v = TortureVeth::Create();
    if (!v) {
      std::fprintf(stderr,
                   "fdlink torture: cannot make the veth pair (run as root, "
                   "or pass --link socketpair): %s\n",
                   v.error().ToString().c_str());
      return 1;
    }
    veth = std::move(*v);
  }
  watchdog.Start();

  TortureReport r;
  r.mode_in_use = opts.mode;
  LatencyStats detach;
  bool built = true;
  {
    ScopedSlot slot(watchdog, "control", 0);
    Control control(opts, ctx, slot.get(), veth.get());
    built = control.Run();
    detach = control.detach();
    if (built) {
      r.mode_in_use = control.mode_in_use();
      r.mode_fallback = control.mode_fallback();
    }
  }
  if (!r.mode_fallback.empty()) {
    std::fprintf(stderr, "fdlink torture: --mode %s is not in effect: %s\n",
                 fdbased::DispatchModeName(opts.mode),
                 std::string(r.mode_fallback).c_str());
  }
  watchdog.Stop();
  TortureDispatcher::DrainQuarantine();

  r.seed = seed;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  SnapshotCounters(counters, &r);
  LatencyStats cb = callback_detach.Take();
  FillDetach(detach, cb, &r);
  r.lockdep_reports = lockdep::ReportCount() - lockdep_base;
  r.live_packets_at_end = PacketBuffer::LiveCount();
  lockdep::SetReportHandler(nullptr);
  PrintReport(opts, r);
  return built && r.Ok() ? 0 : 1;
}

}  // namespace fdlink::tool
