// Software segmentation: a super-packet split into the wire packets it
// stands for, as the kernel would have sent them.
#ifndef FDLINK_OFFLOAD_GSO_SPLIT_H_
#define FDLINK_OFFLOAD_GSO_SPLIT_H_

#include <cstddef>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"

namespace fdlink::offload {

// kMaxSegments is the most wire packets one split produces (wireguard-go's
// cap); a super-packet that would need more is refused whole.
inline constexpr size_t kMaxSegments = 128;

// SegmentCount is how many wire packets `pkt` splits into: 1 without GSO
// metadata (or when its payload fits one segment), else ceil(payload / mss).
size_t SegmentCount(const PacketBuffer& pkt);

// SplitSuperPacket appends to `out` the wire packets of `pkt` (GSO type TCP
// or UDP; the metadata must match the headers, else Errc::kMalformed and
// nothing is appended; more than kMaxSegments is Errc::kMessageTooLong).
// Each segment is a new contiguous packet: `headroom` bytes of headroom, a
// copy of pkt's link header (marked as pushed/consumed like pkt's), then per
// segment i: the IP header (IPv4: id + i, total length, header checksum;
// IPv6: payload length), the L4 header (TCP: seq + i x mss, FIN and PSH only
// on the last; UDP: length) and a full L4 checksum. Metadata (protocol,
// hash, route) is copied; GSO options are cleared. `pkt` is not changed. A
// packet without GSO metadata is appended as one new reference (IncRef).
// Thread-safe; no allocation in steady state when `out` keeps capacity.
[[nodiscard]] Result<size_t> SplitSuperPacket(
    PacketBuffer& pkt, size_t headroom, std::vector<PacketBufferPtr>& out);

// CheckSuperPacketHeaders checks GSO options `g` (type TCP or UDP) against
// the headers of `network_packet` (contiguous, from the IP header to the
// end): the IP version matches the type, l3_header_len is the IPv4 IHL or
// the IPv6 transport offset, the protocol is TCP/UDP, l4_header_len is the
// TCP data offset or 8, the IP length covers the whole packet, no fragment,
// mss > 0 and one segment fits 65,535 bytes; with needs_csum, csum_offset is
// 16 (TCP) or 6 (UDP). Errc::kMalformed naming the first problem. This is
// the check SplitSuperPacket makes; it does not look at the segment count.
[[nodiscard]] Result<void> CheckSuperPacketHeaders(
    std::span<const uint8_t> network_packet, const GSOOptions& g);

// CompletePartialChecksum finishes a partial L4 checksum in place (the
// field holds the pseudo-header sum; see GSOOptions::needs_csum) over
// `network_packet` (from the IP header to the end) and clears nothing else.
// Errc::kMalformed when csum_start + csum_offset + 2 exceeds the packet.
[[nodiscard]] Result<void> CompletePartialChecksum(
    std::span<uint8_t> network_packet, uint16_t csum_start,
    uint16_t csum_offset);

}  // namespace fdlink::offload

#endif  // FDLINK_OFFLOAD_GSO_SPLIT_H_
