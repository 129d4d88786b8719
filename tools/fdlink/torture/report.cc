#include "torture/report.h"

#include <sys/socket.h>

#include <cstdio>
#include <string>

#include "common/json.h"

namespace fdlink::tool {
namespace {

using ull = unsigned long long;

const char* ModeName(const TortureOptions& o) {
  return fdbased::DispatchModeName(o.mode);
}

const char* SocketName(const TortureOptions& o) {
  if (EffectiveLink(o) == TortureLink::kVeth) return "veth AF_PACKET";
  return o.socket_type == SOCK_DGRAM ? "dgram" : "seqpacket";
}

const char* LinkName(const TortureOptions& o) {
  return EffectiveLink(o) == TortureLink::kVeth ? "veth" : "socketpair";
}

void PrintJson(const TortureOptions& o, const TortureReport& r) {
  PrintJsonLine(
      Json{{"cycles", r.cycles},
           {"packets", r.packets},
           {"detach_p50_us", Rounded(r.detach_p50_us, 1)},
           {"detach_p99_us", Rounded(r.detach_p99_us, 1)},
           {"detach_max_us", Rounded(r.detach_max_us, 1)},
           {"hangs", r.hangs},
           {"late_deliveries", r.late_deliveries},
           {"lockdep_reports", r.lockdep_reports},
           {"live_packets_at_end", r.live_packets_at_end},
           {"generations", r.generations},
           {"self_detaches", r.self_detaches},
           {"callback_detach_p50_us", Rounded(r.callback_detach_p50_us, 1)},
           {"callback_detach_max_us", Rounded(r.callback_detach_max_us, 1)},
           {"close_detaches", r.close_detaches},
           {"closed_callbacks", r.closed_callbacks},
           {"closed_io_errors", r.closed_io_errors},
           {"peer_closes", r.peer_closes},
           {"bad_packets", r.bad_packets},
           {"sent", r.sent},
           {"send_would_block", r.send_would_block},
           {"send_errors", r.send_errors},
           {"tx_written", r.tx_written},
           {"property_calls", r.property_calls},
           {"seconds", Rounded(r.seconds, 3)},
           {"mode", ModeName(o)},
           {"mode_in_use", fdbased::DispatchModeName(r.mode_in_use)},
           {"mode_fallback", std::string(r.mode_fallback)},
           {"link", LinkName(o)},
           {"socket", SocketName(o)},
           {"fds", o.fds},
           {"processors", o.processors},
           {"seed", r.seed},
           {"target_met", r.TargetMet()},
           {"result", r.Verdict()},
           {"ok", r.Ok()}});
}

void PrintSummary(const TortureOptions& o, const TortureReport& r) {
  std::printf(
      "fdlink torture: %.1f s, %u %s %s, %s (in use: %s%s%s), %u "
      "processor(s) per fd, seed %llu\n"
      "  cycles      %llu attach/detach (+%llu ended by Close) over %llu "
      "endpoints\n"
      "  detach      p50 %.1f us, p99 %.1f us, max %.1f us (target: p99 < "
      "%.0f, max < %.0f: %s)\n"
      "  callbacks   %llu detaches from inside callbacks (p50 %.1f us, max "
      "%.1f us); %llu closed callbacks after %llu peer hang-ups\n"
      "  flood       %llu packets sent by peers (%llu EAGAIN waits), %llu "
      "delivered; %llu written by WritePackets; %llu property calls\n"
      "  checks      hangs %llu, late deliveries %llu, bad packets %llu, "
      "lockdep reports %llu, live packets at end %lld\n"
      "  result      %s\n",
      r.seconds, o.fds, SocketName(o),
      EffectiveLink(o) == TortureLink::kVeth ? "sockets" : "socketpairs",
      ModeName(o), fdbased::DispatchModeName(r.mode_in_use),
      r.mode_fallback.empty() ? "" : "; ", std::string(r.mode_fallback).c_str(),
      o.processors, ull(r.seed), ull(r.cycles), ull(r.close_detaches),
      ull(r.generations), r.detach_p50_us, r.detach_p99_us, r.detach_max_us,
      kTargetP99Us, kTargetMaxUs, r.TargetMet() ? "met" : "target missed",
      ull(r.self_detaches), r.callback_detach_p50_us, r.callback_detach_max_us,
      ull(r.closed_callbacks), ull(r.peer_closes), ull(r.sent),
      ull(r.send_would_block), ull(r.packets), ull(r.tx_written),
      ull(r.property_calls), ull(r.hangs), ull(r.late_deliveries),
      ull(r.bad_packets), ull(r.lockdep_reports),
      static_cast<long long>(r.live_packets_at_end), r.Verdict());
}

}  // namespace

bool TortureReport::Ok() const {
  return hangs == 0 && late_deliveries == 0 && lockdep_reports == 0 &&
         bad_packets == 0 && live_packets_at_end == 0 && cycles > 0;
}

bool TortureReport::TargetMet() const {
  return detach_p99_us < kTargetP99Us && detach_max_us < kTargetMaxUs;
}

const char* TortureReport::Verdict() const {
  if (!Ok()) return "FAIL";
  return TargetMet() ? "PASS" : "target missed";
}

void SnapshotCounters(const TortureCounters& c, TortureReport* r) {
  r->cycles = c.cycles.load();
  r->close_detaches = c.close_detaches.load();
  r->packets = c.packets.load();
  r->generations = c.generations.load();
  r->self_detaches = c.self_detaches.load();
  r->late_deliveries = c.late_deliveries.load();
  r->bad_packets = c.bad_packets.load();
  r->closed_callbacks = c.closed_callbacks.load();
  r->closed_io_errors = c.closed_io_errors.load();
  r->peer_closes = c.peer_closes.load();
  r->sent = c.sent.load();
  r->send_would_block = c.send_would_block.load();
  r->send_errors = c.send_errors.load();
  r->tx_written = c.tx_written.load();
  r->property_calls = c.property_calls.load();
}

void FillDetach(LatencyStats& control, LatencyStats& callbacks,
                TortureReport* r) {
  r->detach_p50_us = control.Percentile(50);
  r->detach_p99_us = control.Percentile(99);
  r->detach_max_us = control.Max();
  r->callback_detach_p50_us = callbacks.Percentile(50);
  r->callback_detach_max_us = callbacks.Max();
}

void PrintReport(const TortureOptions& opts, const TortureReport& r) {
  if (opts.json) {
    PrintJson(opts, r);
  } else {
    PrintSummary(opts, r);
  }
  std::fflush(stdout);
}

}  // namespace fdlink::tool
