// The virtio-net header: the one the endpoint puts in front of each outbound
// frame on fds that carry one (host GSO, TUN/TAP with IFF_VNET_HDR, AF_PACKET
// with PACKET_VNET_HDR), and the one the kernel puts in front of each inbound
// frame (decoded here).
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

// VnetRx is what an inbound frame's virtio-net header says about it.
struct VnetRx {
  // Gso is the super-packet's metadata (needs_csum set: its L4 checksum
  // field holds the pseudo-header sum only), or type kNone for a wire
  // packet, whose checksum DecodeVnetHeader has completed.
  GSOOptions gso;
  // ChecksumTrusted: NEEDS_CSUM or DATA_VALID, i.e. the kernel vouches for
  // the packet's checksum (a local sender, or verified).
  bool checksum_trusted = false;
};

// DecodeVnetHeader reads the header `vnet` (kVirtioNetHeaderSize bytes) of
// an inbound frame whose bytes after it are `frame` (`link_header_size`
// bytes of link header, then the IP packet). It validates and never trusts
// what it can recompute:
// - gso_type NONE: with NEEDS_CSUM the L4 checksum is completed in place
//   over [csum_start, end of the IP packet) (csum_start counts from the
//   link header, as the kernel's does); the packet must be IPv4 or IPv6,
//   csum_start at or after its IP header and the field inside the packet.
// - TCPV4, TCPV6, UDP_L4 (the ECN bit is ignored): NEEDS_CSUM is required;
//   l3_header_len = csum_start - link header; hdr_len is recomputed as
//   csum_start + TCP data offset x 4 (20..60) or + 8 for UDP (the header's
//   own hdr_len is ignored); gso_size > 0; then the headers must agree
//   (offload::CheckSuperPacketHeaders: version vs type, protocol, lengths).
//   The checksum stays partial.
// - Legacy UFO (gso_type UDP) and unknown types are refused.
// Errc::kMalformed naming the problem; `frame` is then left as it was
// unless only the checksum completion failed (it does not fail after
// writing). Thread-compatible; no allocation.
[[nodiscard]] Result<VnetRx> DecodeVnetHeader(std::span<const uint8_t> vnet,
                                              std::span<uint8_t> frame,
                                              uint16_t link_header_size);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_
