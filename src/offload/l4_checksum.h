// L4 checksum helpers of the coalescer: the pseudo-header sum of a flow and
// the check of a packet's stored TCP or UDP checksum.
#ifndef FDLINK_SRC_OFFLOAD_L4_CHECKSUM_H_
#define FDLINK_SRC_OFFLOAD_L4_CHECKSUM_H_

#include <cstdint>

#include "fdlink/buffer/packet_buffer.h"
#include "offload/segment_info.h"

namespace fdlink::offload::internal {

// PseudoSum is the pseudo-header sum (not complemented) of `key`'s flow
// for an L4 length of `l4_length` bytes.
uint16_t PseudoSum(const FlowKey& key, uint32_t l4_length);

// L4ChecksumValid reports whether the TCP or UDP checksum stored in `pkt`
// (described by `info`: key, l3_len, l4_len, payload_len) is right. A UDP
// checksum of 0 verifies over IPv4 (none sent), not over IPv6.
bool L4ChecksumValid(const PacketBuffer& pkt, const SegmentInfo& info);

}  // namespace fdlink::offload::internal

#endif  // FDLINK_SRC_OFFLOAD_L4_CHECKSUM_H_
