// TxWriter: the write half of the endpoint — grouping packets by fd, then
// writing each fd's run (tx_group.h): batched into sendmmsg or one writev
// at a time, super-packets whole with a virtio-net header or split in
// software, runs of one flow coalesced.
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
#include "link/fdbased/tx_switches.h"

namespace fdlink::fdbased {

// TxLive is the part of a write that may change between calls.
struct TxLive {
  // MaxPacketSize is MTU() + MaxHeaderLength(): larger packets are refused
  // unless they carry a GSO type (super-packets, written whole or split).
  // 0: no limit.
  size_t max_packet_size = 0;
  // Closed, when not null, is the endpoint's "Close() has begun" flag.
  const std::atomic<bool>* closed = nullptr;
  // Switches, when not null, are the endpoint's runtime offload switches,
  // which a rejected GSO or coalesced write turns off.
  TxSwitches* switches = nullptr;
};

// WriteFrame writes one frame (`iov`) to fd with a single call that cannot
// raise SIGPIPE: sendmsg(MSG_NOSIGNAL) on a socket, a writev with SIGPIPE
// held off on the calling thread on a pipe, a plain writev otherwise.
Result<size_t> WriteFrame(const FdState& fd, std::span<const iovec> iov);

// WritePacketsTo writes pkts as `link` says (link header, virtio-net header,
// offloads, syscall cap, flow seed): each to fds[hash % fds.size()] (a
// packet with hash 0 is hashed by flow when there are several fds),
// consecutive packets for the same fd in one group. It refuses, counts and
// stops at a null packet, one without its link header, an oversized one
// and one whose GSO metadata cannot be written or split, and writes
// nothing once live.closed is set. Returns how many input packets were
// written (a coalesced run counts as its members, a super-packet as one);
// see LinkEndpoint::WritePackets. A GSO or coalesced write the kernel
// rejects with EINVAL, EIO or EMSGSIZE turns that offload off in
// live.switches, is counted and is resent split or one by one in the same
// call. Thread-safe: scratch space is per thread.
Result<size_t> WritePacketsTo(const LinkConfig& link, const TxLive& live,
                              std::span<FdState* const> fds,
                              std::span<const PacketBufferPtr> pkts);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_WRITER_H_
