// The virtio-net header: the one the endpoint puts in front of each outbound
// packet when the host does segmentation (host GSO), and the one the kernel
// puts in front of each inbound frame (decoded here).
#ifndef FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_
#define FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/virtio_net.h"

namespace fdlink::fdbased {

// EncodeVnetHeader fills `out` from pkt's GSO options: NEEDS_CSUM with
// csum_start = link header + L3 header length (correct for TUN, where there
// is no link header, unlike gVisor's fixed 14), and a TCPv4/TCPv6 gso_type
// with gso_size = MSS only when the payload exceeds the MSS.
void EncodeVnetHeader(const PacketBuffer& pkt, uint16_t link_header_size,
                      std::span<uint8_t, header::kVirtioNetHeaderSize> out);

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
