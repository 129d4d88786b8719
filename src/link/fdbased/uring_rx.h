// UringRx: one fd's io_uring receive machinery for the io_uring dispatch
// mode: a ring, a provided-buffer ring over buffers of the link's largest
// frame, and a multishot read (or recv, on a socket) into them. Frames are
// lent to the stack where the kernel wrote them; a buffer goes back to the
// kernel after its last packet reference is released.
#ifndef FDLINK_SRC_LINK_FDBASED_URING_RX_H_
#define FDLINK_SRC_LINK_FDBASED_URING_RX_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/buffer/chunk.h"
#include "fdlink/sys/mapping_sys.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"
#include "fdlink/sys/uring_buf_ring.h"
#include "fdlink/sys/uring_sys.h"
#include "link/fdbased/counted_ref.h"

namespace fdlink::fdbased {

struct FdState;
struct RxFrame;
class UringRx;

// UringRxRef is a counted reference to a UringRx. FdState holds one, each
// reader one, and each lent buffer one: the ring, its buffers and the
// buffer ring's mapping live until the last packet from them is gone.
using UringRxRef = CountedRef<UringRx>;

// UringRxShape is what a UringRx is sized from.
struct UringRxShape {
  unsigned buffers = 0;    // A power of two, 16..32768.
  size_t buffer_size = 0;  // The link's largest frame (> 0, < 4 GiB).
  bool socket = false;     // Multishot recv; else multishot read.
  int socket_type = 0;     // SOCK_* when `socket`.
};

// UringRx serves one fd. Threading: Read, Wait and Quiesce belong to one
// thread at a time (the fd's receive loop, or whoever ends an attachment
// after its loop left; attachments follow one another, ordered by the
// endpoint's thread group waits). OnChunkReleased runs on any thread, any
// number at once, and never blocks: it pushes the buffer id on a lock-free
// list that the loop hands to the kernel on its next Read (see
// docs/CONCURRENCY.md). The last reference frees it, on whichever thread.
class UringRx final : public ChunkOwner {
 public:
  // Create sets up the ring for `fd` (borrowed: it must stay open while a
  // reader uses the ring) and hands every buffer to the kernel. Nothing is
  // armed yet: the first Read arms. Errors: io_uring_setup, mmap or
  // buffer-ring registration failures (the caller falls back to readv).
  static Result<UringRxRef> Create(int fd, const UringRxShape& shape);

  UringRx(const UringRx&) = delete;
  UringRx& operator=(const UringRx&) = delete;

  // Read hands returned buffers back to the kernel, arms the multishot
  // request if it is not, and lends up to out.size() received frames into
  // `out`. It counts ring-dry events (-ENOBUFS) in st.rx_ring_dry. Errors:
  // kWouldBlock when nothing is ready; kPeerClosed at end of stream; the
  // read's errno when the request failed (reported after the frames before
  // it).
  Result<size_t> Read(std::span<RxFrame> out, FdState& st);
  // Wait blocks, after Read said kWouldBlock, until completions are ready
  // (fd_readable), a held buffer came back while the ring was dry
  // (fd_readable), or `stop_fd` is signalled (stop). Holds no lock.
  Result<sys::PollResult> Wait(int stop_fd);
  // Quiesce, after a loop has ended, cancels the multishot request and
  // waits for its last completion, so no kernel write into a buffer is in
  // flight once no reader is. Frames it reaps are never delivered: they
  // are counted in st as kDetached drops and their buffers reused.
  void Quiesce(FdState& st);

  // LentCount is the number of buffers the stack holds now (for tests).
  int64_t LentCount() const { return lent_.load(std::memory_order_relaxed); }
  unsigned buffer_count() const { return shape_.buffers; }
  size_t buffer_size() const { return shape_.buffer_size; }

  void OnChunkReleased(Chunk* c) override;

 private:
  friend class CountedRef<UringRx>;
  // A request's user_data is (generation << 8) | kind: a completion of an
  // earlier arming is told from the current one.
  enum Kind : uint64_t { kRecvKind = 1, kWakeKind = 2, kCancelKind = 3 };

  UringRx(int fd, const UringRxShape& shape);
  ~UringRx();
  Result<void> Init();
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref();

  // Stage puts buffer `bid` back in the buffer ring (published by the next
  // PublishStaged).
  void Stage(uint16_t bid);
  // TakeReturned stages every buffer released since the last call.
  void TakeReturned();
  // PublishStaged hands the staged buffers to the kernel.
  void PublishStaged();
  Result<void> Arm();
  // Handle processes one completion; a received frame goes to *out and
  // counts in *got.
  void Handle(const sys::UringCompletion& c, std::span<RxFrame> out,
              size_t* got, FdState& st);

  const int fd_;
  const UringRxShape shape_;
  std::atomic<int64_t> refs_{1};
  std::unique_ptr<sys::Uring> ring_;
  std::unique_ptr<sys::UringBufRing> buf_ring_;
  bool registered_ = false;
  sys::AnonMapping mem_;  // buffers * buffer_size bytes.
  std::unique_ptr<std::unique_ptr<Chunk>[]> chunks_;
  UniqueFd wake_;  // eventfd: a buffer came back while the ring was dry.

  // Released buffers: a lock-free stack of bid + 1 (0 ends it), linked
  // through next_. Pushed by any releasing thread; taken whole (exchange)
  // by the loop, so no ABA. next_[bid] is written by the one thread that
  // releases bid, before the push that publishes it.
  std::atomic<uint32_t> returned_{0};
  std::unique_ptr<uint32_t[]> next_;
  // Starved: the loop sleeps on a dry ring, waiting for a buffer.
  std::atomic<bool> starved_{false};
  std::atomic<int64_t> lent_{0};

  // Loop only.
  uint64_t gen_ = 0;         // Generation of the current arming.
  bool armed_ = false;       // The multishot request of gen_ is live.
  unsigned in_kernel_ = 0;   // Buffers the kernel holds (0: dry).
  bool kick_ = false;        // The request went dry while armed.
  bool wake_armed_ = false;  // A poll on wake_ is queued.
  bool failed_ = false;      // pending_ is to be reported.
  Error pending_{};
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_URING_RX_H_
