#include "link/fdbased/tx_uring.h"

#include <algorithm>
#include <cerrno>

namespace fdlink::fdbased {

namespace {

// StartSlot spreads threads over the slots: each thread starts its search
// at its own slot, so callers on different threads rarely collide.
size_t StartSlot() {
  static std::atomic<size_t> next{0};
  thread_local const size_t mine =
      next.fetch_add(1, std::memory_order_relaxed) % kTxRings;
  return mine;
}

}  // namespace

std::optional<TxUringOutcome> TxRings::Write(
    int fd, std::span<const std::span<const iovec>> frames) {
  const size_t start = StartSlot();
  bool held = false;
  for (size_t k = 0; k < kTxRings; ++k) {
    Slot& s = slots_[(start + k) % kTxRings];
    if (!s.mu.TryLock()) {
      held = true;
      continue;
    }
    TxUringOutcome total;
    bool ran = false;
    while (total.sent < frames.size()) {
      const std::span<const std::span<const iovec>> chunk =
          frames.subspan(total.sent)
              .first(
                  std::min<size_t>(kTxRingEntries, frames.size() - total.sent));
      std::optional<TxUringOutcome> o = WriteOn(s, fd, chunk);
      if (!o) break;
      ran = true;
      total.sent += o->sent;
      total.error = std::move(o->error);
      if (total.error || o->sent < chunk.size()) break;
    }
    s.mu.Unlock();
    if (ran) return total;
    // This slot's ring is off: try the next one.
  }
  if (held) busy_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

std::optional<TxUringOutcome> TxRings::WriteOn(
    Slot& s, int fd, std::span<const std::span<const iovec>> frames) {
  if (s.off) return std::nullopt;
  if (s.ring == nullptr) {
    Result<std::unique_ptr<sys::Uring>> r = sys::Uring::Create(kTxRingEntries);
    if (!r) {
      s.off = true;
      return std::nullopt;
    }
    s.ring = std::move(*r);
  }
  sys::Uring& ring = *s.ring;
  const size_t n = frames.size();
  // Frame i is tagged i; all but the last link to the next one.
  size_t queued = 0;
  for (; queued < n; ++queued) {
    const bool last = queued + 1 == n;
    const bool ok = last ? ring.QueueWritev(fd, frames[queued], queued)
                         : ring.QueueWritevLinked(fd, frames[queued], queued);
    if (!ok) break;
  }
  if (queued < n) {
    // The queue was not empty (cannot happen: every submission is reaped
    // whole). Nothing was submitted; the ring is not trusted again.
    s.off = true;
    return std::nullopt;
  }
  Result<unsigned> submitted = ring.SubmitAndWait(static_cast<unsigned>(n));
  if (!submitted) {
    // io_uring_enter failed before submitting anything; the requests stay
    // in the queue, so the ring is not entered again.
    s.off = true;
    return std::nullopt;
  }
  batches_.fetch_add(1, std::memory_order_relaxed);
  // Reap exactly the submitted requests' completions. When the kernel took
  // fewer than n (it stops at a request it cannot start), it did not wait;
  // wait here, then leave the ring off: the untaken requests stay queued.
  const size_t want = *submitted;
  std::array<int32_t, kTxRingEntries> res;
  res.fill(-ECANCELED);
  std::array<sys::UringCompletion, kTxRingEntries> cqes;
  size_t got = 0;
  while (got < want) {
    const size_t k = ring.Reap(std::span(cqes).first(want - got));
    for (size_t i = 0; i < k; ++i) {
      if (cqes[i].user_data < n) res[cqes[i].user_data] = cqes[i].res;
    }
    got += k;
    if (got < want && k == 0) {
      if (!ring.SubmitAndWait(static_cast<unsigned>(want - got))) break;
    }
  }
  if (want < n || got < want) s.off = true;
  TxUringOutcome out;
  while (out.sent < want && res[out.sent] >= 0) ++out.sent;
  // A frame cancelled because the one before it wrote short was not tried:
  // the caller writes it and the rest. Any other failure is the frame's.
  if (out.sent < want && res[out.sent] != -ECANCELED) {
    out.error = Error::FromErrno(-res[out.sent], "writev (io_uring)");
  }
  return out;
}

}  // namespace fdlink::fdbased
