// FdState: what the endpoint knows about one of its fds, and its counters.
#ifndef FDLINK_SRC_LINK_FDBASED_FD_STATE_H_
#define FDLINK_SRC_LINK_FDBASED_FD_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "fdlink/link/fdbased/counters.h"
#include "link/fdbased/packet_ring.h"
#include "link/fdbased/tx_uring.h"
#include "link/fdbased/uring_rx.h"

namespace fdlink::fdbased {

// RxCounter is a counter with a single writer (the fd's receive loop):
// bumping it is a plain load and store, readable from any thread.
class RxCounter {
 public:
  void Add(uint64_t n) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// FdState is immutable apart from its counters (and its transmit rings,
// which lock themselves). The fd is borrowed from the endpoint's options
// and lives as long as the endpoint.
struct FdState {
  int fd = -1;
  bool is_socket = false;
  int socket_type = 0;  // SOCK_* when is_socket.
  bool is_packet_socket = false;
  bool is_fifo = false;  // A pipe or FIFO: a write may raise SIGPIPE.
  // RxRing is the fd's receive ring in packet_mmap mode (set up once, in
  // Create; it survives re-attach and, while packets hold its frames, the
  // endpoint). Empty in the other modes.
  RingRef rx_ring;
  // RxUring is the fd's io_uring receive ring in io_uring mode (set up once,
  // in Create, kept like rx_ring). Empty in the other modes.
  UringRxRef rx_uring;
  // TxRings, in io_uring mode on an fd without sendmmsg (not a socket, not
  // a pipe) when the kernel has io_uring writev, are the fd's transmit
  // rings (see tx_uring.h); null otherwise. Set in Create.
  std::unique_ptr<TxRings> tx_rings;

  // Receive side: written only by this fd's loop thread. Attachments follow
  // one another, so there is one writer at a time.
  RxCounter rx_packets, rx_bytes, rx_errors;
  // packet_mmap only: frames the kernel dropped (PACKET_STATISTICS, read
  // when a frame says TP_STATUS_LOSING). packet_mmap and io_uring: reads
  // that found every frame or buffer held by the stack.
  RxCounter rx_kernel_drops, rx_ring_dry;
  RxCounter drops[static_cast<size_t>(DropReason::kCount)];
  // Packets a processor dropped because a detach was under way (processors
  // of one fd are several writers).
  std::atomic<uint64_t> processor_detach_drops{0};
  // Receive GRO (RxGro): super-packets built and the wire packets merged
  // into them. The loop or the processors write them (several writers).
  std::atomic<uint64_t> rx_gro_super{0}, rx_gro_merged{0};
  // Transmit side: any thread may write.
  std::atomic<uint64_t> tx_packets{0}, tx_bytes{0}, tx_errors{0},
      tx_would_block{0}, tx_oversized{0}, tx_invalid{0};
  // Transmit offloads (see FdCounters).
  std::atomic<uint64_t> tx_coalesced{0}, tx_split{0}, tx_split_dropped{0},
      tx_gso_fallbacks{0}, tx_coalesce_fallbacks{0};

  void Drop(DropReason r) { drops[static_cast<size_t>(r)].Add(1); }
  FdCounters Snapshot() const;
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_FD_STATE_H_
