// Per-fd traffic counters of the fd-based endpoint.
#ifndef FDLINK_LINK_FDBASED_COUNTERS_H_
#define FDLINK_LINK_FDBASED_COUNTERS_H_

#include <array>
#include <cstdint>
#include <string_view>

namespace fdlink::fdbased {

// DropReason says why an inbound frame was dropped. The receive loop keeps
// running after every one of them.
enum class DropReason : uint8_t {
  kNotForUs,         // Ethernet destination is neither our MAC nor a group.
  kTruncated,        // Shorter than its link (or virtio-net) header.
  kUnknownProtocol,  // No Ethernet header and not IPv4/IPv6 by version.
  kOversized,        // Larger than the receive buffer; the kernel truncated.
  kEmpty,            // A zero-length datagram or SEQPACKET record.
  kDetached,         // Read, then dropped because a detach was under way.
  kBadVnetHeader,    // Its virtio-net header is malformed or disagrees.
  kUnsplittable,     // A super-packet that cannot be split (> 128 segments).
  kCount
};

// DropReasonName is a stable snake_case name ("not_for_us").
std::string_view DropReasonName(DropReason r);

// FdCounters is a snapshot of one fd's counters.
struct FdCounters {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t rx_errors = 0;  // Read or poll failures (the loop then ends).
  // Receive GRO: super-packets built from wire packets of one batch, and
  // the wire packets merged into them (rx_packets counts them as read).
  uint64_t rx_gro_super = 0;
  uint64_t rx_gro_merged = 0;
  uint64_t tx_errors = 0;  // Write failures other than would-block.
  uint64_t tx_would_block = 0;
  // Packets WritePackets refused: larger than MTU() + MaxHeaderLength()
  // without GSO; null or without their link header.
  uint64_t tx_oversized = 0;
  uint64_t tx_invalid = 0;
  // Transmit offloads. TxCoalesced: packets written inside coalesced
  // super-packet writes. TxSplit: super-packets split in software (no
  // virtio-net header, or the kernel does not take that type); a split
  // super-packet counts as written once its first wire packet is, and
  // TxSplitDropped counts the wire packets after that which the fd did not
  // take (full or failed). TxGsoFallbacks / TxCoalesceFallbacks: GSO /
  // coalesced writes the kernel rejected (EINVAL, EIO, EMSGSIZE), which
  // turned that offload off for the endpoint and were resent split /
  // one by one.
  uint64_t tx_coalesced = 0;
  uint64_t tx_split = 0;
  uint64_t tx_split_dropped = 0;
  uint64_t tx_gso_fallbacks = 0;
  uint64_t tx_coalesce_fallbacks = 0;
  // RxKernelDrops: frames the kernel dropped before the endpoint saw them
  // (packet_mmap: the receive ring was full; read from PACKET_STATISTICS).
  uint64_t rx_kernel_drops = 0;
  // RxRingDry: reads that found every ring frame still held by the stack
  // (packet_mmap), or multishot reads that ended because the stack held
  // every provided buffer (io_uring, -ENOBUFS); the loop then waits until
  // one comes back and goes on.
  uint64_t rx_ring_dry = 0;
  std::array<uint64_t, static_cast<size_t>(DropReason::kCount)> drops{};

  uint64_t drops_of(DropReason r) const {
    return drops[static_cast<size_t>(r)];
  }
  uint64_t total_drops() const {
    uint64_t n = 0;
    for (uint64_t d : drops) n += d;
    return n;
  }
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_LINK_FDBASED_COUNTERS_H_
