// One TCP flow driven by hand over a PairLink: packets in, what the
// adapter wrote out, the handshake and the client's data segments.
#ifndef FDLINK_TESTS_LWIP_PAIR_LINK_FLOW_H_
#define FDLINK_TESTS_LWIP_PAIR_LINK_FLOW_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/sys/unique_fd.h"
#include "lwip/tun_adapter_fixture.h"

namespace fdlink::lwip {

// Packet wraps IP bytes in a pooled packet with its network protocol.
PacketBufferPtr Packet(std::span<const uint8_t> ip);

// ReadAll reads the packets the adapter wrote to `peer` until none comes
// for `quiet_ms`.
std::vector<std::vector<uint8_t>> ReadAll(const UniqueFd& peer,
                                          int quiet_ms = 300);

// Handshake completes a connection from 198.18.64.1:40000 to
// 198.18.64.7:80 over `link` (SYN with ISN 0xdeadbeef, the adapter's
// SYN-ACK, ACK); returns the SYN-ACK's sequence number + 1, or nothing.
// With `window_scale` the SYN offers window scaling (RFC 7323, shift 7, as
// Linux does) and the SYN-ACK must accept it.
std::optional<uint32_t> Handshake(PairLink& link, bool window_scale = false);

// DataSeg is the client's segment carrying `payload` at stream offset
// `off` of the connection Handshake made, acknowledging `ack`, with a
// full checksum.
std::vector<uint8_t> DataSeg(size_t off, std::span<const uint8_t> payload,
                             uint32_t ack);

}  // namespace fdlink::lwip

#endif  // FDLINK_TESTS_LWIP_PAIR_LINK_FLOW_H_
