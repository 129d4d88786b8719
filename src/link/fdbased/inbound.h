// Inbound: what happens to a frame between the read and the dispatcher. One
// implementation shared by every dispatch mode.
#ifndef FDLINK_SRC_LINK_FDBASED_INBOUND_H_
#define FDLINK_SRC_LINK_FDBASED_INBOUND_H_

#include <atomic>
#include <cstdint>
#include <optional>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/counters.h"
#include "link/fdbased/link_config.h"
#include "link/fdbased/packet_reader.h"

namespace fdlink::fdbased {

// Classified is a frame turned into a packet ready for delivery, or the
// reason it was dropped.
struct Classified {
  PacketBufferPtr pkt;  // Null when dropped.
  NetworkProtocolNumber protocol = 0;
  DropReason drop = DropReason::kCount;
};

// ClassifyFrame strips and decodes the virtio-net header (when link has one:
// DecodeVnetHeader; a malformed one is DropReason::kBadVnetHeader, a wire
// packet's partial checksum is completed, a super-packet gets its GSO
// options with the checksum left partial), consumes
// and filters the Ethernet header (`address`, the endpoint's live MAC read
// without a lock, or a group address) or, without one, takes the protocol
// from the IP version nibble. Malformed and foreign frames come back with a
// drop reason; it never fails otherwise.
Classified ClassifyFrame(const LinkConfig& link,
                         const std::atomic<uint64_t>& address, RxFrame& frame);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_INBOUND_H_
