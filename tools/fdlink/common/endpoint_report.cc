#include "common/endpoint_report.h"

#include <cstddef>
#include <string_view>

namespace fdlink::tool {
namespace {

using fdbased::DropReason;

std::string Num(uint64_t v) { return std::to_string(v); }

std::string_view NameOf(size_t i) {
  return fdbased::DropReasonName(static_cast<DropReason>(i));
}

}  // namespace

std::string EndpointSummary(const fdbased::FdCounters& c) {
  std::string s = "rx " + Num(c.rx_packets) + " packets (" + Num(c.rx_bytes) +
                  " bytes), tx " + Num(c.tx_packets) + " packets (" +
                  Num(c.tx_bytes) + " bytes), errors rx " + Num(c.rx_errors) +
                  " tx " + Num(c.tx_errors) + ", would-block " +
                  Num(c.tx_would_block) + ", dropped " + Num(c.total_drops());
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
  Json drops = Json::object();
  for (size_t i = 0; i < c.drops.size(); ++i) drops[NameOf(i)] = c.drops[i];
  return Json{{"rx_packets", c.rx_packets},         {"rx_bytes", c.rx_bytes},
              {"tx_packets", c.tx_packets},         {"tx_bytes", c.tx_bytes},
              {"rx_errors", c.rx_errors},           {"tx_errors", c.tx_errors},
              {"tx_would_block", c.tx_would_block}, {"drops", drops}};
}

}  // namespace fdlink::tool
