#include "link/fdbased/rx_gro.h"

#include <utility>

#include "fdlink/offload/offload_bits.h"

namespace fdlink::fdbased {

bool RxGroApplies(const LinkConfig& link, bool takes_super_packets) {
  const OffloadsInEffect& o = link.offload;
  constexpr uint32_t kCoalescing = offload::kTunFTso4 | offload::kTunFTso6 |
                                   offload::kTunFUso4 | offload::kTunFUso6;
  const bool kernel_coalesces =
      o.vnet_header && (o.kernel_offloads & kCoalescing) != 0;
  return takes_super_packets && (o.rx_gro_tcp || o.rx_gro_udp) &&
         !kernel_coalesces;
}

RxGro::RxGro(const LinkConfig& link)
    : coalescer_(offload::CoalesceConfig{.tcp = link.offload.rx_gro_tcp,
                                         .udp = link.offload.rx_gro_udp}) {}

std::span<PacketBufferPtr> RxGro::Coalesce(std::span<PacketBufferPtr> pkts,
                                           FdState& fd) {
  out_.clear();
  const std::span<const offload::CoalesceGroup> groups = coalescer_.Plan(pkts);
  if (groups.size() == pkts.size()) return pkts;  // Nothing merged.
  uint64_t supers = 0, merged = 0;
  for (const offload::CoalesceGroup& g : groups) {
    const std::span<const uint32_t> members = coalescer_.Members(g);
    if (g.count > 1) {
      PacketBuffer& head = *pkts[members[0]];
      Result<PacketBufferPtr> m = offload::BuildMerged(
          pkts, coalescer_, g, head.AvailableHeaderBytes());
      if (m) {
        out_.push_back(std::move(*m));
        ++supers;
        merged += g.count;
        for (uint32_t i : members) pkts[i].reset();
        continue;
      }
      // Not expected (the plan checked every member); deliver them as
      // they came rather than lose them.
    }
    for (uint32_t i : members) out_.push_back(std::move(pkts[i]));
  }
  fd.rx_gro_super.fetch_add(supers, std::memory_order_relaxed);
  fd.rx_gro_merged.fetch_add(merged, std::memory_order_relaxed);
  return out_;
}

}  // namespace fdlink::fdbased
