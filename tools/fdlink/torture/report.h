// TortureReport: the torture's result and how it is printed (a human
// summary, or one JSON object on the last line).
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_REPORT_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_REPORT_H_

#include <cstdint>
#include <string_view>

#include "common/latency.h"
#include "torture/options.h"
#include "torture/state.h"

namespace fdlink::tool {

// TortureReport is everything the torture prints.
struct TortureReport {
  double seconds = 0;
  uint64_t seed = 0;
  uint64_t hangs = 0;
  double detach_p50_us = 0, detach_p99_us = 0, detach_max_us = 0;
  double callback_detach_p50_us = 0, callback_detach_max_us = 0;
  uint64_t lockdep_reports = 0;
  int64_t live_packets_at_end = 0;
  // The receive mode the endpoints used, and why it differs from the one
  // asked for (Endpoint::DispatchModeFallback; empty when it does not).
  fdbased::PacketDispatchMode mode_in_use = fdbased::PacketDispatchMode::kReadv;
  std::string_view mode_fallback;
  // Counter values (copied from TortureCounters).
  uint64_t cycles = 0, close_detaches = 0, packets = 0, generations = 0,
           self_detaches = 0, late_deliveries = 0, bad_packets = 0,
           closed_callbacks = 0, closed_io_errors = 0, peer_closes = 0,
           sent = 0, send_would_block = 0, send_errors = 0, tx_written = 0,
           property_calls = 0;

  // Ok is the exit condition: no hang, no late callback, no lockdep report,
  // no bad packet, no live packet at the end, and at least one cycle.
  bool Ok() const;
  // TargetMet is the latency target: detach p99 under kTargetP99Us and max
  // under kTargetMaxUs.
  bool TargetMet() const;
  // Verdict is the result word printed: "PASS" (checks held, target met),
  // "target missed" (checks held, target not met) or "FAIL".
  const char* Verdict() const;
};

// The detach latency target the summary prints next to the figures.
inline constexpr double kTargetP99Us = 1000;
inline constexpr double kTargetMaxUs = 5000;

// SnapshotCounters copies the counters into a report.
void SnapshotCounters(const TortureCounters& c, TortureReport* r);
// FillDetach sets the detach percentiles from the samples.
void FillDetach(LatencyStats& control, LatencyStats& callbacks,
                TortureReport* r);

// PrintReport prints `r` to stdout: one JSON line, or a summary.
void PrintReport(const TortureOptions& opts, const TortureReport& r);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_REPORT_H_
