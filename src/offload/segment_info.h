// SegmentInfo: what the coalescer needs to know of one packet, read once
// from its IP and L4 headers by Inspect.
#ifndef FDLINK_SRC_OFFLOAD_SEGMENT_INFO_H_
#define FDLINK_SRC_OFFLOAD_SEGMENT_INFO_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "fdlink/buffer/packet_buffer.h"

namespace fdlink::offload::internal {

// kMaxHeaderPrefix is the most IP + L4 header bytes a mergeable packet has:
// a 40-byte IPv6 header and a 60-byte TCP header.
inline constexpr size_t kMaxHeaderPrefix = 40 + 60;

// FlowKey names a transport flow: IP version, protocol, addresses (IPv4 in
// the first 4 bytes) and ports. The TCP ACK number is not part of it: a
// different ACK on the same connection ends the connection's group instead,
// so that the connection's packets keep their order.
struct FlowKey {
  uint8_t version = 0;
  uint8_t protocol = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  std::array<uint8_t, 16> src{};
  std::array<uint8_t, 16> dst{};

  bool operator==(const FlowKey&) const = default;
  // Hash mixes every field; equal keys hash equal.
  uint32_t Hash() const;
};

// SegmentInfo describes one packet. `has_key` says the packet is an
// unfragmented TCP or UDP packet whose ports could be read (so it belongs to
// `key`'s flow); `mergeable` that it also passes every per-packet merge rule
// (IPv4 without options, lengths consistent, no IPv6 extension headers,
// TCP flags ACK or ACK|PSH, payload > 0, checksums good when verified, no
// GSO metadata of its own). The other fields are valid when mergeable.
struct SegmentInfo {
  bool has_key = false;
  bool mergeable = false;
  FlowKey key;
  GSOType type = GSOType::kNone;
  uint16_t l3_len = 0;       // IP header length.
  uint16_t l4_len = 0;       // TCP header (data offset) or 8.
  uint32_t payload_len = 0;  // L4 payload bytes.
  uint32_t seq = 0;          // TCP only.
  uint32_t ack = 0;          // TCP only.
  uint8_t tcp_flags = 0;     // TCP only.
  // IpTraits must be equal to merge: IPv4 ToS and flags (DF, reserved);
  // IPv6 the first word (version, traffic class, flow label).
  uint32_t ip_traits = 0;
  uint8_t hop_limit = 0;  // IPv4 TTL or IPv6 hop limit; equal to merge.
  // Header holds the first l3_len + l4_len bytes from the network header.
  std::array<uint8_t, kMaxHeaderPrefix> header{};
};

// Inspect fills `info` from `pkt` (read from its network header on, after
// the link header). With `verify`, the IPv4 header checksum and the L4
// checksum are checked (unless the packet is marked rx_checksum_validated
// or carries a partial checksum) and a bad one makes the packet not
// mergeable. Never fails: anything unexpected is simply not mergeable.
void Inspect(const PacketBuffer& pkt, bool verify, SegmentInfo& info);

}  // namespace fdlink::offload::internal

#endif  // FDLINK_SRC_OFFLOAD_SEGMENT_INFO_H_
