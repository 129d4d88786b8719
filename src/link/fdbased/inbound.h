// Inbound: what happens to a frame between the read and the dispatcher. One
// implementation shared by every dispatch mode.
#ifndef FDLINK_SRC_LINK_FDBASED_INBOUND_H_
#define FDLINK_SRC_LINK_FDBASED_INBOUND_H_

#include <atomic>
#include <cstdint>
#include <optional>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/counters.h"
#include "link/fdbased/packet_reader.h"

namespace fdlink::fdbased {

// InboundConfig is the immutable part of the endpoint the filter needs, plus
// the live MAC address (read without a lock).
struct InboundConfig {
  uint16_t link_header_size = 0;  // 0 or 14.
  uint16_t vnet_header_size = 0;  // 0 or 10.
  bool rx_checksum_offload = false;
  const std::atomic<uint64_t>* address = nullptr;  // The endpoint's MAC.
};

// Classified is a frame turned into a packet ready for delivery, or the
// reason it was dropped.
struct Classified {
  PacketBufferPtr pkt;  // Null when dropped.
  NetworkProtocolNumber protocol = 0;
  DropReason drop = DropReason::kCount;
};

// ClassifyFrame strips the virtio-net header (when configured), consumes and
// filters the Ethernet header (our MAC or a group address) or, without one,
// takes the protocol from the IP version nibble. Malformed and foreign
// frames come back with a drop reason; it never fails otherwise.
Classified ClassifyFrame(const InboundConfig& cfg, RxFrame& frame);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_INBOUND_H_
