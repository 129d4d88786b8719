#include "bench/report.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "common/json.h"

namespace fdlink::tool {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

}  // namespace

std::string_view BenchKindName(BenchKind k) {
  switch (k) {
    case BenchKind::kSeqpacket:
      return "seqpacket";
    case BenchKind::kDgram:
      return "dgram";
    case BenchKind::kTun:
      return "tun";
  }
  return "?";
}

void BenchReport::Throughput(const BenchCase& c, std::string_view impl,
                             uint32_t processors, const RunSample& s,
                             std::optional<double> ratio_to_limit,
                             DetachStats* detach) {
  const std::string kind = Str(BenchKindName(c.kind));
  const std::string mode = Str(fdbased::DispatchModeName(c.mode));
  const std::string im = Str(impl);
  char allocs[32] = "null";
  if (allocs_counted_)
    std::snprintf(allocs, sizeof(allocs), "%.4f", s.AllocsPerPacket());
  if (json_) {
    Json j{{"impl", im},
           {"kind", kind},
           {"mode", mode},
           {"size", c.size},
           {"processors", processors},
           {"packets", s.packets},
           {"seconds", Rounded(s.seconds, 3)},
           {"pps", std::llround(s.pps())},
           {"gbps", Rounded(s.gbps(), 3)},
           {"cpu_s_per_mpkt", Rounded(s.CpuPerMillion(), 3)},
           {"allocs_per_pkt", allocs_counted_
                                  ? Json(Rounded(s.AllocsPerPacket(), 4))
                                  : Json(nullptr)},
           {"sent", s.sent},
           {"received", s.received}};
    if (ratio_to_limit) j["ratio_to_limit"] = Rounded(*ratio_to_limit, 3);
    if (detach != nullptr) {
      LatencyStats& d = detach->detach;
      LatencyStats& late = detach->last_delivery;
      j["detach_cycles"] = d.count();
      j["detach_p50_us"] = Rounded(d.Percentile(50), 1);
      j["detach_p99_us"] = Rounded(d.Percentile(99), 1);
      j["detach_max_us"] = Rounded(d.Max(), 1);
      j["last_delivery_p99_us"] = Rounded(late.Percentile(99), 1);
      j["last_delivery_max_us"] = Rounded(late.Max(), 1);
    }
    PrintJsonLine(j);
    return;
  }
  if (!throughput_header_) {
    std::printf("%-9s %-8s %5s %-6s %4s %11s %7s %10s %10s %6s %7s\n", "kind",
                "mode", "size", "impl", "proc", "pkt/s", "Gbit/s", "cpu_s/Mpkt",
                "allocs/pkt", "lost%", "x_limit");
    throughput_header_ = true;
  }
  const double lost = s.sent > 0 ? 100.0 *
                                       (static_cast<double>(s.sent) -
                                        static_cast<double>(s.received)) /
                                       static_cast<double>(s.sent)
                                 : 0;
  if (!allocs_counted_) std::snprintf(allocs, sizeof(allocs), "-");
  char r[16] = "";
  if (ratio_to_limit) std::snprintf(r, sizeof(r), "%.3f", *ratio_to_limit);
  std::printf("%-9s %-8s %5zu %-6s %4u %11.0f %7.3f %10.3f %10s %6.2f %7s\n",
              kind.c_str(), mode.c_str(), c.size, im.c_str(), processors,
              s.pps(), s.gbps(), s.CpuPerMillion(), allocs, lost, r);
  if (detach != nullptr) {
    LatencyStats& d = detach->detach;
    LatencyStats& late = detach->last_delivery;
    std::printf(
        "%33s detach under flood: %zu cycles, p50 %.1f us, p99 %.1f us, "
        "max %.1f us; last delivery after it began: p99 %.1f us, max %.1f "
        "us\n",
        "", d.count(), d.Percentile(50), d.Percentile(99), d.Max(),
        late.Percentile(99), late.Max());
  }
  std::fflush(stdout);
}

void BenchReport::Note(std::string_view text) {
  const std::string t = Str(text);
  std::fprintf(json_ ? stderr : stdout, "note: %s\n", t.c_str());
  std::fflush(json_ ? stderr : stdout);
}

}  // namespace fdlink::tool
