// TxBatch: one thread's frames being prepared for a write, with the iovecs
// and scratch bytes they point at, and the one call that sends them.
#ifndef FDLINK_SRC_LINK_FDBASED_TX_BATCH_H_
#define FDLINK_SRC_LINK_FDBASED_TX_BATCH_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/virtio_net.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/tx_switches.h"

namespace fdlink::fdbased {

// kTxHeaderScratch is the scratch a frame may use for rewritten headers (a
// coalesced group's merged headers, or the headers up to a checksum the
// writer completes): link + IP + L4 headers of any ordinary packet.
inline constexpr size_t kTxHeaderScratch = 256;

// TxFrame is one frame (one datagram or write) of a batch.
struct TxFrame {
  uint32_t iov_first = 0;
  uint32_t iov_count = 0;
  // Unit and Member locate the first input packet of the frame in the
  // writer's plan, where a retry starts after a fallback.
  uint32_t unit = 0;
  uint32_t member = 0;
  uint32_t inputs = 0;  // Input packets that count as written with it.
  uint64_t bytes = 0;   // Their bytes (Size()), for tx_bytes.
  // Offloaded: a GSO or coalesced write, which the kernel may reject; then
  // `offload` is the switch to turn off.
  bool offloaded = false;
  TxOffload offload = TxOffload::kTcpGso;
};

// SendOutcome is how far TxBatch::Send got: frames [from, from + sent) were
// written; `error` is why it stopped before the end (incl. would-block).
struct SendOutcome {
  size_t sent = 0;
  std::optional<Error> error;
};

// TxOffloadWriteHook is consulted before each offloaded (GSO or coalesced)
// frame is written, with the frame's iovecs; a non-zero return is an errno
// that write then fails with, as if the kernel had rejected it (nothing is
// written). While a hook is set every frame is written on its own.
using TxOffloadWriteHook = int (*)(std::span<const iovec> frame);

// TxBatch is reused from write to write by one thread (see Batch()): no
// allocation in steady state. At most kBatchSize frames at a time.
class TxBatch {
 public:
  TxBatch();

  // Clear forgets every frame and iovec.
  void Clear();
  size_t size() const { return frames_.size(); }
  bool Full() const;
  std::span<const TxFrame> frames() const { return frames_; }
  // Back is the last frame added (there must be one).
  TxFrame& back() { return frames_.back(); }

  // Begin starts a new frame (not Full()) and returns it for the caller to
  // fill in; End closes it (its iovecs are those added in between).
  TxFrame& Begin();
  void End();
  // VnetSlot / HeaderSlot are the current frame's scratch bytes; they stay
  // valid until Clear().
  std::span<uint8_t, header::kVirtioNetHeaderSize> VnetSlot();
  std::span<uint8_t, kTxHeaderScratch> HeaderSlot();
  // Add appends one iovec over `b` (which must outlive the Send).
  void Add(std::span<const uint8_t> b);
  // AddRange appends the iovecs over bytes [off, off + len) of pkt (headers
  // and data, link header first); len = SIZE_MAX means to the end.
  void AddRange(const PacketBuffer& pkt, size_t off, size_t len = SIZE_MAX);
  // IovecsSoFar is how many iovecs the current frame has.
  size_t IovecsSoFar() const;
  // Flatten appends a copy of pkt's bytes [off, end) as one iovec and
  // returns the copy, which stays valid until Clear() (for a frame that
  // would need more than kMaxIovs iovecs, or headers too long for the
  // scratch; allocates, rare).
  std::span<uint8_t> Flatten(const PacketBuffer& pkt, size_t off);
  // Drop removes the frames from `from` on (unsent, to be rebuilt).
  void Drop(size_t from);

  // Send writes frames [from, size()) to fd in order: sendmmsg batches on
  // sockets (each at most `header_cap` bytes of mmsghdr + iovec when
  // header_cap > 0), one linked chain of io_uring writes when fd has
  // transmit rings (tx_uring.h), there are two frames or more and a ring
  // is free, one write per frame otherwise. Stops at the first failure.
  SendOutcome Send(const FdState& fd, size_t from, size_t header_cap);

 private:
  // SendUring is Send through fd.tx_rings; nullopt when no ring was free
  // (nothing written).
  std::optional<SendOutcome> SendUring(const FdState& fd, size_t from,
                                       TxOffloadWriteHook hook);

  std::vector<TxFrame> frames_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;
  std::vector<std::span<const iovec>> spans_;  // SendUring's frames.
  std::vector<std::array<uint8_t, header::kVirtioNetHeaderSize>> vnets_;
  std::vector<std::array<uint8_t, kTxHeaderScratch>> headers_;
  std::vector<std::vector<uint8_t>> flat_;
};

// Batch is the calling thread's TxBatch.
TxBatch& Batch();

// SetTxOffloadWriteHookForTest installs `hook` process-wide (nullptr
// removes it). Test-only: production code never sets it. Any thread may
// set it; a write in flight sees the old or the new hook.
void SetTxOffloadWriteHookForTest(TxOffloadWriteHook hook);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_BATCH_H_
