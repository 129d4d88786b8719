// PacketReader: the one mode-specific piece of a receive loop. Each dispatch
// mode (readv, recvmmsg, packet_mmap, io_uring) is one implementation
// in its own file; the loop, buffers and delivery are shared.
#ifndef FDLINK_SRC_LINK_FDBASED_PACKET_READER_H_
#define FDLINK_SRC_LINK_FDBASED_PACKET_READER_H_

#include <cstddef>
#include <memory>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/buffer/chunk.h"
#include "fdlink/link/fdbased/options.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/link_config.h"

namespace fdlink::fdbased {

// RxFrame is one frame as read: its bytes (shared: a carved buffer, or a
// lent ring frame) and whether the kernel cut it short because it exceeded
// the buffer.
struct RxFrame {
  View bytes;
  bool truncated = false;
  // ChecksumTrusted: an AF_PACKET socket said the kernel treats the
  // transport checksum as good (CHECKSUM_PARTIAL or already verified).
  bool checksum_trusted = false;
};

// PacketReader reads frames from one fd without blocking.
class PacketReader {
 public:
  virtual ~PacketReader() = default;
  // Read fills up to out.size() frames and returns how many. Errors:
  // kWouldBlock when nothing is ready (the loop then polls), kPeerClosed at
  // end of stream, anything else is a failure of the fd.
  virtual Result<size_t> Read(std::span<RxFrame> out) = 0;
  // MaxBatch is the most frames one Read returns.
  virtual size_t MaxBatch() const = 0;
  // Wait blocks, after Read said kWouldBlock, until the reader may have
  // frames (fd_readable), its fd hung up or failed, or `stop_fd` is
  // signalled (stop). It holds no lock. The default polls `fd` (the
  // channel's fd) and `stop_fd`; a reader whose readiness is not the fd's
  // (a ring) waits on its own.
  virtual Result<sys::PollResult> Wait(int fd, int stop_fd) {
    return sys::PollTwo(fd, stop_fd, -1);
  }
};

// kRxSlotSize is the largest frame a read accepts: an IP packet of 65,535
// bytes plus an Ethernet and a virtio-net header, rounded up.
inline constexpr size_t kRxSlotSize = 65536 + 128;

// MakeReadvReader reads one frame per call into a carved buffer.
std::unique_ptr<PacketReader> MakeReadvReader(const FdState& fd);
// MakeRecvMMsgReader reads up to `batch` frames per recvmmsg call.
std::unique_ptr<PacketReader> MakeRecvMMsgReader(const FdState& fd,
                                                 size_t batch);
// MakePacketMmapReader takes frames off fd.rx_ring (which must be set) and
// counts ring drops and dry runs in fd's counters (the loop's own).
std::unique_ptr<PacketReader> MakePacketMmapReader(FdState& fd);
// MakeUringReader takes frames off fd.rx_uring (which must be set) and
// counts dry runs of its buffer ring in fd's counters.
std::unique_ptr<PacketReader> MakeUringReader(FdState& fd);
// MakeReader picks the reader for rx.mode (a recvmmsg one reads rx.batch
// frames per call; packet_mmap needs fd.rx_ring, io_uring fd.rx_uring);
// non-socket fds always get readv.
std::unique_ptr<PacketReader> MakeReader(FdState& fd, const ReceiveConfig& rx);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_PACKET_READER_H_
