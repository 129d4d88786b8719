#include "bench/report.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "common/json.h"
#include "fdlink/offload/offload_bits.h"

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
    case BenchKind::kTunOffload:
      return "tun-offload";
    case BenchKind::kTunTx:
      return "tun-tx";
    case BenchKind::kGro:
      return "gro";
    case BenchKind::kVeth:
      return "veth";
  }
  return "?";
}

std::string OffloadName(bool vnet_header, uint32_t offloads) {
  if (!vnet_header) return "none";
  if (offloads == 0) return "vnet";
  static constexpr struct {
    uint32_t bit;
    const char* name;
  } kBits[] = {{offload::kTunFCsum, "csum"},
               {offload::kTunFTso4, "tso4"},
               {offload::kTunFTso6, "tso6"},
               {offload::kTunFUso4, "uso4"},
               {offload::kTunFUso6, "uso6"}};
  std::string out;
  for (const auto& b : kBits) {
    if ((offloads & b.bit) == 0) continue;
    if (!out.empty()) out += "|";
    out += b.name;
  }
  return out.empty() ? "other" : out;
}

void BenchReport::Throughput(const BenchCase& c, const RowInfo& row,
                             const RunSample& s, const RowRatios& ratios,
                             DetachStats* detach) {
  const std::string kind = Str(BenchKindName(c.kind));
  const std::string mode =
      Str(fdbased::DispatchModeName(row.mode ? *row.mode : c.mode));
  const std::string im = Str(row.impl);
  const uint32_t processors = row.processors;
  const std::string offload = OffloadName(row.vnet_header, row.offloads);
  const std::string delivery =
      row.impl == "limit"
          ? "none"
          : Str(DeliveryKindName(row.delivery)) + (row.gro ? "+gro" : "");
  const std::optional<double>& ratio_to_limit = ratios.to_limit;
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
           {"received", s.received},
           {"offload", offload},
           {"delivery", delivery},
           {"reads", s.reads},
           {"gso_segments_per_read", Rounded(s.SegmentsPerRead(), 2)},
           {"delivered", s.delivered},
           {"gro", row.gro},
           {"gro_ratio", Rounded(s.GroRatio(), 2)},
           {"payload_gbps", Rounded(s.PayloadGbps(), 3)},
           {"lost_pct", Rounded(s.LostPercent(), 2)},
           {"rx_cpu_share", Rounded(s.RxCpuShare(), 3)},
           {"sender_waits", s.sender_waits},
           {"bottleneck", Str(s.Bottleneck())}};
    if (ratio_to_limit) j["ratio_to_limit"] = Rounded(*ratio_to_limit, 3);
    if (ratios.to_no_offload)
      j["ratio_to_no_offload"] = Rounded(*ratios.to_no_offload, 3);
    if (ratios.to_per_packet)
      j["ratio_to_per_packet_writes"] = Rounded(*ratios.to_per_packet, 3);
    if (ratios.to_recvmmsg)
      j["ratio_to_recvmmsg"] = Rounded(*ratios.to_recvmmsg, 3);
    if (ratios.to_unwrapped)
      j["ratio_to_unwrapped"] = Rounded(*ratios.to_unwrapped, 3);
    if (c.kind == BenchKind::kTunTx && s.tx_packets > 0) {
      j["tx_coalesced_share"] = Rounded(static_cast<double>(s.tx_coalesced) /
                                            static_cast<double>(s.tx_packets),
                                        3);
    }
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
    std::printf(
        "%-11s %-8s %5s %-6s %-9s %-22s %4s %11s %7s %7s %8s %10s %10s %6s "
        "%-6s %7s %7s\n",
        "kind", "mode", "size", "impl", "deliv", "offload", "proc", "pkt/s",
        "Gbit/s", "payload", "seg/read", "cpu_s/Mpkt", "allocs/pkt", "lost%",
        "bound", "x_limit", "x_nooff/w");
    throughput_header_ = true;
  }
  if (!allocs_counted_) std::snprintf(allocs, sizeof(allocs), "-");
  char r[16] = "";
  if (ratio_to_limit) std::snprintf(r, sizeof(r), "%.3f", *ratio_to_limit);
  char rn[16] = "";
  if (ratios.to_no_offload)
    std::snprintf(rn, sizeof(rn), "%.3f", *ratios.to_no_offload);
  if (ratios.to_per_packet)
    std::snprintf(rn, sizeof(rn), "%.3fw", *ratios.to_per_packet);
  if (ratios.to_recvmmsg)
    std::snprintf(rn, sizeof(rn), "%.3fr", *ratios.to_recvmmsg);
  if (ratios.to_unwrapped)
    std::snprintf(rn, sizeof(rn), "%.3fu", *ratios.to_unwrapped);
  std::printf(
      "%-11s %-8s %5zu %-6s %-9s %-22s %4u %11.0f %7.3f %7.3f %8.2f %10.3f "
      "%10s %6.2f %-6s %7s %7s\n",
      kind.c_str(), mode.c_str(), c.size, im.c_str(), delivery.c_str(),
      offload.c_str(), processors, s.pps(), s.gbps(), s.PayloadGbps(),
      s.SegmentsPerRead(), s.CpuPerMillion(), allocs, s.LostPercent(),
      s.Bottleneck(), r, rn);
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
