#include "fdlink/link/fdbased/counters.h"

#include "link/fdbased/fd_state.h"

namespace fdlink::fdbased {

std::string_view DropReasonName(DropReason r) {
  switch (r) {
    case DropReason::kNotForUs:
      return "not_for_us";
    case DropReason::kTruncated:
      return "truncated";
    case DropReason::kUnknownProtocol:
      return "unknown_protocol";
    case DropReason::kOversized:
      return "oversized";
    case DropReason::kEmpty:
      return "empty";
    case DropReason::kDetached:
      return "detached";
    case DropReason::kBadVnetHeader:
      return "bad_vnet_header";
    case DropReason::kUnsplittable:
      return "unsplittable";
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

FdCounters FdState::Snapshot() const {
  FdCounters c;
  c.rx_packets = rx_packets.Get();
  c.rx_bytes = rx_bytes.Get();
  c.rx_errors = rx_errors.Get();
  c.rx_gro_super = rx_gro_super.load(std::memory_order_relaxed);
  c.rx_gro_merged = rx_gro_merged.load(std::memory_order_relaxed);
  c.rx_kernel_drops = rx_kernel_drops.Get();
  c.rx_ring_dry = rx_ring_dry.Get();
  for (size_t i = 0; i < c.drops.size(); ++i) c.drops[i] = drops[i].Get();
  c.drops[static_cast<size_t>(DropReason::kDetached)] +=
      processor_detach_drops.load(std::memory_order_relaxed);
  c.tx_packets = tx_packets.load(std::memory_order_relaxed);
  c.tx_bytes = tx_bytes.load(std::memory_order_relaxed);
  c.tx_errors = tx_errors.load(std::memory_order_relaxed);
  c.tx_would_block = tx_would_block.load(std::memory_order_relaxed);
  c.tx_oversized = tx_oversized.load(std::memory_order_relaxed);
  c.tx_invalid = tx_invalid.load(std::memory_order_relaxed);
  c.tx_coalesced = tx_coalesced.load(std::memory_order_relaxed);
  c.tx_split = tx_split.load(std::memory_order_relaxed);
  c.tx_split_dropped = tx_split_dropped.load(std::memory_order_relaxed);
  c.tx_gso_fallbacks = tx_gso_fallbacks.load(std::memory_order_relaxed);
  c.tx_coalesce_fallbacks =
      tx_coalesce_fallbacks.load(std::memory_order_relaxed);
  if (tx_rings != nullptr) {
    c.tx_uring_batches = tx_rings->Batches();
    c.tx_uring_busy = tx_rings->Busy();
  }
  return c;
}

}  // namespace fdlink::fdbased
