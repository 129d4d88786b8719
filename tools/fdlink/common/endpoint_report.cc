#include "common/endpoint_report.h"

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

namespace fdlink::tool {
namespace {

using fdbased::DropReason;

std::string Num(uint64_t v) { return std::to_string(v); }

std::string_view NameOf(size_t i) {
  return fdbased::DropReasonName(static_cast<DropReason>(i));
}

// Scalars lists the counters of `c` under the names both renderings use.
std::array<std::pair<const char*, uint64_t>, 18> Scalars(
    const fdbased::FdCounters& c) {
  return {{{"rx_packets", c.rx_packets},
           {"rx_bytes", c.rx_bytes},
           {"tx_packets", c.tx_packets},
           {"tx_bytes", c.tx_bytes},
           {"rx_errors", c.rx_errors},
           {"rx_gro_super", c.rx_gro_super},
           {"rx_gro_merged", c.rx_gro_merged},
           {"tx_errors", c.tx_errors},
           {"tx_would_block", c.tx_would_block},
           {"tx_oversized", c.tx_oversized},
           {"tx_invalid", c.tx_invalid},
           {"tx_coalesced", c.tx_coalesced},
           {"tx_split", c.tx_split},
           {"tx_split_dropped", c.tx_split_dropped},
           {"tx_gso_fallbacks", c.tx_gso_fallbacks},
           {"tx_coalesce_fallbacks", c.tx_coalesce_fallbacks},
           {"rx_kernel_drops", c.rx_kernel_drops},
           {"rx_ring_dry", c.rx_ring_dry}}};
}

}  // namespace

std::string EndpointSummary(const fdbased::FdCounters& c) {
  std::string s;
  for (const auto& [name, value] : Scalars(c)) {
    s += std::string(name) + " " + Num(value) + ", ";
  }
  s += "dropped " + Num(c.total_drops());
  std::string detail;
  for (size_t i = 0; i < c.drops.size(); ++i) {
    if (c.drops[i] == 0) continue;
    if (!detail.empty()) detail += ", ";
    detail += std::string(NameOf(i)) + " " + Num(c.drops[i]);
  }
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}

Json EndpointJson(const fdbased::FdCounters& c) {
  Json out = Json::object();
  for (const auto& [name, value] : Scalars(c)) out[name] = value;
  out["dropped"] = c.total_drops();
  Json drops = Json::object();
  for (size_t i = 0; i < c.drops.size(); ++i) drops[NameOf(i)] = c.drops[i];
  out["drops"] = std::move(drops);
  return out;
}

std::string ModeInUse(const fdbased::Endpoint& ep) {
  std::string m = fdbased::DispatchModeName(ep.DispatchModeInUse());
  if (const std::string_view why = ep.DispatchModeFallback(); !why.empty())
    m += " (" + std::string(why) + ")";
  return m;
}

}  // namespace fdlink::tool
