// The virtio-net header the endpoint puts in front of each outbound frame on
// fds that carry one (host GSO, TUN/TAP with IFF_VNET_HDR, AF_PACKET with
// PACKET_VNET_HDR).
#ifndef FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_
#define FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/virtio_net.h"

namespace fdlink::fdbased {

// VnetFrame is what EncodeVnetHeader needs to know about the frame besides
// its GSO options: the link header in front of the network header (0 on
// TUN, 14 with Ethernet), the whole frame's length (link header included)
// and the headers pushed so far (link + network + transport; used as
// hdr_len when the options do not give l4_header_len).
struct VnetFrame {
  uint16_t link_header_size = 0;
  size_t frame_size = 0;
  size_t pushed_header_size = 0;
};

// EncodeVnetHeader fills `out` (every byte) from `g` for `frame`:
//  - an ordinary packet (no checksum asked for, no GSO) gets all zeros;
//  - needs_csum sets NEEDS_CSUM, csum_start = link header + l3_header_len
//    (right for raw IP and for Ethernet, unlike gVisor's fixed 14) and
//    csum_offset;
//  - a GSO type (TCPv4 1, TCPv6 4, UDP_L4 5) whose payload (frame minus
//    link, L3 and L4 headers) exceeds mss also sets gso_type, gso_size = mss
//    and hdr_len = link + l3 + l4 headers; a payload that fits one segment
//    is written as one packet (no gso_type).
// Errors (Errc::kInvalidArgument, `out` then all zero): csum_start, hdr_len
// or csum_start + csum_offset do not fit in 16 bits or lie past the frame,
// or a GSO type with mss 0. Thread-safe; no allocation.
[[nodiscard]] Result<void> EncodeVnetHeader(
    const GSOOptions& g, const VnetFrame& frame,
    std::span<uint8_t, header::kVirtioNetHeaderSize> out);

// EncodeVnetHeader (packet form) encodes pkt's own GSO options for pkt as a
// frame whose link header is `link_header_size` bytes.
[[nodiscard]] Result<void> EncodeVnetHeader(
    const PacketBuffer& pkt, uint16_t link_header_size,
    std::span<uint8_t, header::kVirtioNetHeaderSize> out);

// VnetGsoType is the virtio gso_type for `t` (kGsoNone for kNone).
uint8_t VnetGsoType(GSOType t);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_
