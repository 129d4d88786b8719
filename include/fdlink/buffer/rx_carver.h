// RxCarver: receive buffers carved out of large pooled chunks.
#ifndef FDLINK_BUFFER_RX_CARVER_H_
#define FDLINK_BUFFER_RX_CARVER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/buffer/chunk.h"

namespace fdlink {

// RxCarver hands out a writable slot of `slot_size` bytes for the next read
// and, once the kernel has filled n bytes of it, turns exactly those n bytes
// into a shared View. The next slot starts right after them (rounded up to
// a cache line), so a packet uses only what it took; when the chunk's tail is
// smaller than a slot, the carver moves to a fresh pooled chunk and the old
// one is freed when its last packet is released. One read per call costs no
// allocation in steady state and keeps the single-buffer read the kernel
// likes best (measured: one plain read beats a 10-iovec readv on TUN).
//
// Threading: one carver belongs to one receive loop.
class RxCarver {
 public:
  static constexpr size_t kAlign = 64;

  // `slot_size` is the most a single read may return. The chunk is the
  // largest pooled size class; slot_size must not exceed it.
  explicit RxCarver(size_t slot_size);
  ~RxCarver();
  RxCarver(RxCarver&& o) noexcept;
  RxCarver(const RxCarver&) = delete;
  RxCarver& operator=(const RxCarver&) = delete;
  RxCarver& operator=(RxCarver&&) = delete;

  // Slot is where the next read goes: `slot_size` writable bytes.
  // When the chunk's tail is too small it moves on first, reusing the chunk
  // from the start if every packet carved from it has been released by now.
  std::span<uint8_t> Slot() {
    if (cursor_ + slot_size_ > chunk_->capacity()) NextChunk();
    return {chunk_->data() + cursor_, slot_size_};
  }
  // Take turns the first n bytes of the current slot (the last Slot()
  // returned) into a View and moves the cursor past them. n <= slot_size.
  View Take(size_t n);
  // Chunks is how many chunks this carver has started (for tests).
  size_t chunks_started() const { return chunks_started_; }

 private:
  // kCredits is how many chunk references are taken in one atomic add and
  // handed to Views one by one.
  static constexpr int32_t kCredits = 64;

  void NextChunk();
  void DropCredits();

  const size_t slot_size_;
  ChunkRef chunk_;
  int32_t credits_ = 0;  // References on chunk_ counted, not yet handed out.
  size_t cursor_ = 0;
  size_t chunks_started_ = 0;
};

}  // namespace fdlink

#endif  // FDLINK_BUFFER_RX_CARVER_H_
