// The frames the writer builds in a TxBatch: a packet as it is, a packet
// whose partial checksum the writer completes, and a coalesced group.
#ifndef FDLINK_SRC_LINK_FDBASED_TX_FRAMES_H_
#define FDLINK_SRC_LINK_FDBASED_TX_FRAMES_H_

#include <cstdint>
#include <optional>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/offload/coalesce.h"
#include "link/fdbased/link_config.h"
#include "link/fdbased/tx_batch.h"

namespace fdlink::fdbased {

// AddPacketFrame adds pkt as one frame (b must not be Full()): on a vnet fd
// the virtio-net header encoded from `g` (EncodeVnetHeader), then pkt's
// bytes, shared. Returns whether the header asks the kernel to segment
// (gso_type set). Errors: EncodeVnetHeader's, and then no frame is added.
[[nodiscard]] Result<bool> AddPacketFrame(TxBatch& b, const LinkConfig& link,
                                          const PacketBuffer& pkt,
                                          const GSOOptions& g);

// AddChecksummedFrame adds pkt (needs_csum, no segmentation) as one frame
// whose L4 checksum is complete, without touching pkt's bytes: the bytes up
// to and including the checksum field are copied into the frame's scratch
// and patched there, the rest is shared. On a vnet fd the header is all
// zero. Errc::kMalformed when the checksum field lies past the packet
// (then no frame is added).
[[nodiscard]] Result<void> AddChecksummedFrame(TxBatch& b,
                                               const LinkConfig& link,
                                               const PacketBuffer& pkt);

// AddMergedFrame adds group `g` of `pkts` (members `members`, more than
// one) as one coalesced frame: the virtio-net header of the super-packet,
// the head's link header, the merged IP + L4 headers written into the
// frame's scratch (offload::WriteMergedHeaders), then every member's
// payload, shared (no copy). Returns the super-packet's GSO type, or
// nullopt (and adds nothing) when the group cannot be written as one: its
// headers do not fit the scratch, it needs more than kMaxIovs iovecs, or
// the merge or the encoding fails.
std::optional<GSOType> AddMergedFrame(TxBatch& b, const LinkConfig& link,
                                      std::span<const PacketBufferPtr> pkts,
                                      std::span<const uint32_t> members,
                                      const offload::CoalesceGroup& g);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_FRAMES_H_
