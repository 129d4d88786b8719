// The packets a NetifAdapter answers by itself, without lwIP: a TCP RST
// refusing a SYN, a UDP datagram from SendUdp, and an ICMP echo reply.
// Pure byte work on caller buffers: no allocation, no I/O, no locks.
#ifndef FDLINK_SRC_LWIP_ADAPTER_PACKETS_H_
#define FDLINK_SRC_LWIP_ADAPTER_PACKETS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/lwip/nat_rewrite.h"
#include "fdlink/lwip/nat_table.h"

namespace fdlink::lwip {

// kTcpResetSize is the largest packet WriteTcpReset writes (IPv6 + TCP).
inline constexpr size_t kTcpResetSize = 40 + 20;

// WriteTcpReset writes an RST|ACK segment (seq 0, ack `ack`, window 0, no
// options) from `from` to `to` (same family) into the front of `out`, with
// an IPv4 (TTL 64, DF) or IPv6 (hop limit 64) header and both checksums,
// and returns its size (40 or 60). Errc::kInvalidArgument if the families
// differ or `out` is too small.
[[nodiscard]] Result<size_t> WriteTcpReset(std::span<uint8_t> out,
                                           const FlowAddr& from,
                                           const FlowAddr& to, uint32_t ack);

// UdpHeadersSize is the IP + UDP header size of a datagram of the family.
constexpr size_t UdpHeadersSize(bool v6) { return v6 ? 48 : 28; }

// WriteUdpHeaders writes the IP and UDP headers of a datagram from `from`
// to `to` (same family) at the front of `packet`, whose bytes after
// UdpHeadersSize are the payload already in place, and checksums both.
// Errc::kInvalidArgument if the families differ or the sizes are out of
// range (the packet over 65535 bytes, or shorter than the headers).
[[nodiscard]] Result<void> WriteUdpHeaders(std::span<uint8_t> packet,
                                           const FlowAddr& from,
                                           const FlowAddr& to);

// TcpSeq is the sequence number of the TCP segment `flow` names in `ip`
// (both from one ParseFlow).
uint32_t TcpSeq(std::span<const uint8_t> ip, const ParsedFlow& flow);

// UdpPayload returns the payload of the UDP datagram `flow` names in `ip`
// (both from one ParseFlow) when its length field fits the packet and its
// checksums verify (the IPv4 header's too; an IPv4 datagram without a UDP
// checksum is accepted, an IPv6 one is not); nullopt otherwise.
std::optional<std::span<const uint8_t>> UdpPayload(std::span<const uint8_t> ip,
                                                   const ParsedFlow& flow);

// IsUdpFragment is true for an IPv4 fragment of a UDP datagram or an IPv6
// packet whose first next header is a fragment header.
bool IsUdpFragment(std::span<const uint8_t> ip);

// EchoVerdict says what TurnEchoIntoReply did.
enum class EchoVerdict {
  kNotEcho,  // Not an ICMP/ICMPv6 echo request: untouched.
  kBad,      // An echo request that is malformed or fails its checksum.
  kReplied,  // Turned into the reply in place.
};

// TurnEchoIntoReply turns an unfragmented ICMPv4 echo request (IPv4, any
// options) or ICMPv6 echo request (ICMPv6 as the first next header) in
// `ip` into its echo reply in place: source and destination swapped (the
// reply comes from the address that was pinged), TTL / hop limit 64, the
// type set to echo reply, identifier, sequence and data kept, checksums
// redone.
EchoVerdict TurnEchoIntoReply(std::span<uint8_t> ip);

}  // namespace fdlink::lwip

#endif  // FDLINK_SRC_LWIP_ADAPTER_PACKETS_H_
