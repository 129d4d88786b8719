// Coalescing (GRO): wire packets of one flow merged into a super-packet by
// the kernel's merge rules. One engine serves the receive side (GRO before
// delivery) and the transmit side (coalescing before a virtio-net write).
#ifndef FDLINK_OFFLOAD_COALESCE_H_
#define FDLINK_OFFLOAD_COALESCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"

namespace fdlink::offload {

// CoalesceConfig says what may merge.
struct CoalesceConfig {
  bool tcp = true;  // TCP over IPv4 and IPv6.
  bool udp = true;  // UDP over IPv4 and IPv6 (becomes GSOType::kUDPL4).
  // AdjacentOnly merges only runs of consecutive packets of one flow (the
  // transmit side); otherwise flows may interleave within the batch and
  // each keeps its own order (the receive side).
  bool adjacent_only = false;
  // VerifyChecksums checks each candidate's L4 checksum; a packet whose
  // checksum is wrong is never merged (it stays alone). Packets marked
  // rx_checksum_validated() or needs_csum are taken as good.
  bool verify_checksums = true;
  size_t max_ip_size = 65535;  // Largest merged IP packet.
  size_t max_segments = 64;    // Most packets in one group.
};

// CoalesceGroup is a run of packets that become one: indexes into the
// planned batch (members[first .. first+count) of the plan), in flow order.
// count == 1 is a packet left alone.
struct CoalesceGroup {
  uint32_t first = 0;
  uint32_t count = 0;
  GSOType type = GSOType::kNone;  // kNone when count == 1.
  uint16_t gso_size = 0;          // Every segment's payload but the last.
  uint32_t payload_bytes = 0;     // Sum of the members' L4 payloads.
  // Push: the last member carries TCP PSH, so the merged header does too.
  bool push = false;
};

// CoalesceScratch is Coalescer's flow table and per-batch scratch, defined
// in src/offload.
struct CoalesceScratch;

// Coalescer plans batches. Each packet is read from its network header (its
// link header, pushed or consumed, is skipped). Its storage is reused from
// batch to batch: no allocation in steady state. Threading: one per thread.
class Coalescer {
 public:
  explicit Coalescer(CoalesceConfig cfg = {});
  ~Coalescer();
  Coalescer(Coalescer&&) noexcept;
  Coalescer& operator=(Coalescer&&) noexcept;

  // Plan groups `pkts` (none null) and returns the groups ordered by their
  // first member's position, so that emitting them in order keeps every
  // flow's order. Every packet is in exactly one group. Valid until the
  // next Plan.
  std::span<const CoalesceGroup> Plan(std::span<const PacketBufferPtr> pkts);
  // Members lists a group's packet indexes, in order.
  std::span<const uint32_t> Members(const CoalesceGroup& g) const;

  const CoalesceConfig& config() const { return cfg_; }

 private:
  CoalesceConfig cfg_;
  std::vector<uint32_t> members_;
  std::vector<CoalesceGroup> groups_;
  // The flow table and other scratch: allocated once, in the constructor.
  std::unique_ptr<CoalesceScratch> scratch_;
};

// MergedHeaderSize is the IP + L4 header length of `head` (the group's
// first packet).
size_t MergedHeaderSize(const PacketBuffer& head);

// WriteMergedHeaders writes into `out` (MergedHeaderSize(head) bytes) the
// IP and L4 headers of the group's super-packet: head's headers with the IP
// total/payload length of the whole group (and the IPv4 header checksum),
// the UDP length, and the L4 checksum field set to the pseudo-header sum
// (partial). It returns the super-packet's GSO options (needs_csum, type,
// mss = gso_size, header lengths, csum_offset 16 or 6). A group of one is
// not merged: Errc::kInvalidArgument.
[[nodiscard]] Result<GSOOptions> WriteMergedHeaders(const PacketBuffer& head,
                                                    const CoalesceGroup& g,
                                                    std::span<uint8_t> out);

// BuildMerged makes the group's super-packet for delivery (the receive
// side): a new packet with `headroom` bytes of headroom, a copy of the
// head's link header (consumed), the merged headers, then every member's
// payload as shared views (no copy). Its GSO options come from
// WriteMergedHeaders; protocol, hash and rx_checksum_validated from head.
// A group of one returns a new reference to that packet.
[[nodiscard]] Result<PacketBufferPtr> BuildMerged(
    std::span<const PacketBufferPtr> pkts, const Coalescer& plan,
    const CoalesceGroup& g, size_t headroom);

}  // namespace fdlink::offload

#endif  // FDLINK_OFFLOAD_COALESCE_H_
