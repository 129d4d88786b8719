// TxRings: the io_uring transmit of one fd that has no sendmmsg (TUN, TAP,
// any non-socket fd) in the io_uring dispatch mode. A batch's frames go out
// as one chain of linked writev requests, submitted and reaped with one
// io_uring_enter, instead of one writev syscall per frame.
#ifndef FDLINK_SRC_LINK_FDBASED_TX_URING_H_
#define FDLINK_SRC_LINK_FDBASED_TX_URING_H_

#include <sys/uio.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "fdlink/base/mutex.h"
#include "fdlink/base/result.h"
#include "fdlink/base/thread_annotations.h"
#include "fdlink/sys/uring_sys.h"

namespace fdlink::fdbased {

// kTxRings is how many rings one fd's pool holds: callers on that many
// threads at once each get one; a further caller writes one frame per
// writev instead of waiting.
inline constexpr size_t kTxRings = 4;
// kTxRingEntries is each ring's submission queue size: a whole TxBatch
// (kBatchSize frames) fits in one submission.
inline constexpr unsigned kTxRingEntries = 64;

// TxUringOutcome is how far TxRings::Write got: frames [0, sent) were
// written, in order. `error`, when set, is why frame `sent` was not
// (would-block included); when unset and sent < the frames given, the rest
// were not tried (the caller writes them itself, one by one).
struct TxUringOutcome {
  size_t sent = 0;
  std::optional<Error> error;
};

// TxRings is one fd's pool of transmit rings, made lazily (the first write
// on a slot sets its ring up; nothing is allocated per packet after that).
// Owned by the fd's FdState and destroyed with it, after every write
// returned. Threading: Write is safe from any number of threads at once;
// each slot's lock is a leaf held only around one submit-and-reap, and a
// caller never waits for it (try-lock, else the next slot, else none).
class TxRings {
 public:
  TxRings() = default;
  TxRings(const TxRings&) = delete;
  TxRings& operator=(const TxRings&) = delete;

  // Write writes `frames` (each the iovecs of one write; they and the bytes
  // they name must stay valid until Write returns) to `fd` in order, as one
  // linked chain per kTxRingEntries frames: a frame that fails or writes
  // short cancels every frame after it, so nothing after a failed frame is
  // written and nothing is reordered, even when the kernel hands writes to
  // its workers. Returns nullopt, having written nothing, when every slot
  // is held by another caller or no ring can be set up (io_uring_setup
  // failed once for that slot, which then stays off); the caller writes
  // the frames itself. Never blocks on another caller.
  std::optional<TxUringOutcome> Write(
      int fd, std::span<const std::span<const iovec>> frames);

  // Busy is how many Writes found no free slot because other callers held
  // them (and returned nullopt); Batches is how many submissions went through a
  // ring.
  uint64_t Busy() const { return busy_.load(std::memory_order_relaxed); }
  uint64_t Batches() const { return batches_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    Mutex mu{"fdbased.TxRings.slot.mu"};
    std::unique_ptr<sys::Uring> ring GUARDED_BY(mu);
    // Off: the ring could not be set up, or a submission left it in a state
    // it cannot be reused from; the slot is not used again.
    bool off GUARDED_BY(mu) = false;
  };

  // WriteOn writes frames (at most kTxRingEntries) through slot s's ring.
  // nullopt: the ring is unusable and nothing was submitted.
  std::optional<TxUringOutcome> WriteOn(
      Slot& s, int fd, std::span<const std::span<const iovec>> frames)
      REQUIRES(s.mu);

  std::array<Slot, kTxRings> slots_;
  std::atomic<uint64_t> busy_{0}, batches_{0};
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_URING_H_
