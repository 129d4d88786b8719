// TxWriter: the write half of the endpoint — grouping packets by fd, batching
// them into sendmmsg or writing them one writev at a time.
#ifndef FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_
#define FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "link/fdbased/fd_state.h"

namespace fdlink::fdbased {

// TxConfig is what the writer needs from the endpoint for one call.
struct TxConfig {
  uint16_t vnet_header_size = 0;  // 10 with host GSO, else 0.
  // The link header every packet must carry (0 or 14); also the virtio-net
  // csum_start base.
  uint16_t link_header_size = 0;
  int max_syscall_header_bytes = 0;
  // MaxPacketSize is MTU() + MaxHeaderLength(): larger packets are refused
  // unless `gso` is set and they carry GSO options. 0: no limit.
  size_t max_packet_size = 0;
  bool gso = false;
  // Closed, when not null, is the endpoint's "Close() has begun" flag.
  const std::atomic<bool>* closed = nullptr;
  // FlowSeed seeds the flow hash of packets whose hash() is 0 (unset).
  uint32_t flow_seed = 0;
};

// WriteFrame writes one frame (`iov`) to fd with a single call that cannot
// raise SIGPIPE: sendmsg(MSG_NOSIGNAL) on a socket, a writev with SIGPIPE
// held off on the calling thread on a pipe, a plain writev otherwise.
Result<size_t> WriteFrame(const FdState& fd, std::span<const iovec> iov);

// WritePacketsTo writes pkts: each to fds[hash % fds.size()] (a packet with
// hash 0 is hashed by flow when there are several fds), consecutive packets
// for the same fd in one group. It refuses, counts and stops at a null
// packet, one without its link header and an oversized one, and writes
// nothing once `closed` is set. Returns how many were written; see
// LinkEndpoint::WritePackets. Thread-safe: scratch space is per thread.
Result<size_t> WritePacketsTo(const TxConfig& cfg,
                              std::span<FdState* const> fds,
                              std::span<const PacketBufferPtr> pkts);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_
