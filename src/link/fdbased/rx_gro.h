// RxGro: receive GRO, the coalescing of one delivery batch's wire packets
// into super-packets for a dispatcher that takes them, on links where the
// kernel did not coalesce already.
#ifndef FDLINK_SRC_LINK_FDBASED_RX_GRO_H_
#define FDLINK_SRC_LINK_FDBASED_RX_GRO_H_

#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/offload/coalesce.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/link_config.h"

namespace fdlink::fdbased {

// RxGroApplies says whether GRO runs for `link` and a dispatcher that does
// (or does not) take super-packets: it must take them, TCP or UDP GRO must
// be on (Options.offload.tcp_gro / udp_gro), and the kernel must not hand
// over super-packets already (no virtio-net header, or one without the
// TSO/USO offload bits).
bool RxGroApplies(const LinkConfig& link, bool takes_super_packets);

// RxGro coalesces batches with one offload::Coalescer. Its storage keeps
// its capacity: a batch allocates nothing in steady state. Threading: one
// per delivering thread (the receive loop, or each processor).
class RxGro {
 public:
  // RxGro merges TCP and/or UDP as link.offload.rx_gro_tcp / rx_gro_udp say.
  explicit RxGro(const LinkConfig& link);

  // Coalesce returns the packets to deliver for the batch `pkts`, each
  // flow's in the order it arrived: `pkts` itself when nothing merges, else
  // a span of this object's storage holding the super-packets and the
  // packets left alone (moved out of `pkts`). It counts merges in `fd`
  // (rx_gro_super, rx_gro_merged). Nothing is held back for a later batch.
  // The span is valid until Clear or the next Coalesce.
  std::span<PacketBufferPtr> Coalesce(std::span<PacketBufferPtr> pkts,
                                      FdState& fd);
  // Clear releases what the last Coalesce returned (keeping capacity).
  void Clear() { out_.clear(); }

 private:
  offload::Coalescer coalescer_;
  std::vector<PacketBufferPtr> out_;
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_RX_GRO_H_
