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
#include "link/fdbased/link_config.h"

namespace fdlink::fdbased {

// TxLive is the part of a write that may change between calls.
struct TxLive {
  // MaxPacketSize is MTU() + MaxHeaderLength(): larger packets are refused
  // unless link.tx.gso is set and they carry GSO options. 0: no limit.
  size_t max_packet_size = 0;
  // Closed, when not null, is the endpoint's "Close() has begun" flag.
  const std::atomic<bool>* closed = nullptr;
};

// WriteFrame writes one frame (`iov`) to fd with a single call that cannot
// raise SIGPIPE: sendmsg(MSG_NOSIGNAL) on a socket, a writev with SIGPIPE
// held off on the calling thread on a pipe, a plain writev otherwise.
Result<size_t> WriteFrame(const FdState& fd, std::span<const iovec> iov);

// WritePacketsTo writes pkts as `link` says (link header, virtio-net header,
// syscall cap, flow seed): each to fds[hash % fds.size()] (a packet with
// hash 0 is hashed by flow when there are several fds), consecutive packets
// for the same fd in one group. It refuses, counts and stops at a null
// packet, one without its link header and an oversized one, and writes
// nothing once live.closed is set. Returns how many were written; see
// LinkEndpoint::WritePackets. Thread-safe: scratch space is per thread.
Result<size_t> WritePacketsTo(const LinkConfig& link, const TxLive& live,
                              std::span<FdState* const> fds,
                              std::span<const PacketBufferPtr> pkts);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_
