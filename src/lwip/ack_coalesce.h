// Pure-ACK coalescing for the adapter's output batches: which of lwIP's
// queued segments carry nothing a later segment of the same flow does not
// say again. Pure byte work on caller buffers: no allocation, no I/O.
#ifndef FDLINK_SRC_LWIP_ACK_COALESCE_H_
#define FDLINK_SRC_LWIP_ACK_COALESCE_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace fdlink::lwip {

// kMaxCoalesceBatch is the most packets MarkSupersededAcks looks at.
inline constexpr size_t kMaxCoalesceBatch = 64;

// MarkSupersededAcks sets drop[i] for each packet ips[i] (IPv4 or IPv6,
// from the network header on, in the order they would be written) that is
// a pure ACK (TCP, no payload, no options, only the ACK flag) made
// redundant by a later packet j > i of the same flow and direction that
// also has ACK set and acknowledges more (ack(j) after ack(i)), or the
// same with a larger window (a window update). Pure ACKs that repeat the
// same ack number and window are kept: they may be duplicate ACKs, which
// the peer counts for fast retransmit. drop[i] is left alone for every
// other packet. Looks at the first kMaxCoalesceBatch packets at most;
// `drop` must be at least as long as `ips`. Returns how many it set.
size_t MarkSupersededAcks(std::span<const std::span<const uint8_t>> ips,
                          std::span<bool> drop);

}  // namespace fdlink::lwip

#endif  // FDLINK_SRC_LWIP_ACK_COALESCE_H_
