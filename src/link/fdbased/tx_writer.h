// TxWriter: the write half of the endpoint — grouping packets by fd, batching
// them into sendmmsg or writing them one writev at a time.
#ifndef FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_
#define FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "link/fdbased/fd_state.h"

namespace fdlink::fdbased {

// TxConfig is the immutable part of the endpoint the writer needs.
struct TxConfig {
  uint16_t vnet_header_size = 0;  // 10 with host GSO, else 0.
  uint16_t link_header_size = 0;  // For the virtio-net csum_start.
  int max_syscall_header_bytes = 0;
};

// WritePacketsTo writes pkts: each to fds[hash % fds.size()], consecutive
// packets for the same fd in one group. Returns how many were written; see
// LinkEndpoint::WritePackets. Thread-safe: scratch space is per thread.
Result<size_t> WritePacketsTo(const TxConfig& cfg,
                              std::span<FdState* const> fds,
                              std::span<const PacketBufferPtr> pkts);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_
