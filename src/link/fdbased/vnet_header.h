// The virtio-net header the endpoint puts in front of each outbound packet
// when the host does segmentation (host GSO).
#ifndef FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_
#define FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/virtio_net.h"

namespace fdlink::fdbased {

// EncodeVnetHeader fills `out` from pkt's GSO options: NEEDS_CSUM with
// csum_start = link header + L3 header length (correct for TUN, where there
// is no link header, unlike gVisor's fixed 14), and a TCPv4/TCPv6 gso_type
// with gso_size = MSS only when the payload exceeds the MSS.
void EncodeVnetHeader(const PacketBuffer& pkt, uint16_t link_header_size,
                      std::span<uint8_t, header::kVirtioNetHeaderSize> out);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_VNET_HEADER_H_
