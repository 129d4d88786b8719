#include "fdlink/buffer/rx_carver.h"

#include <cassert>
#include <cstdlib>

namespace fdlink {
namespace {
constexpr size_t kChunkSize =
    Chunk::kSizeClasses[std::size(Chunk::kSizeClasses) - 1];
}  // namespace

RxCarver::RxCarver(size_t slot_size) : slot_size_(slot_size) {
  if (slot_size_ > kChunkSize) std::abort();  // Programming error.
  NextChunk();
}

void RxCarver::NextChunk() {
  // Reuse the current chunk from the start if no packet holds it any more.
  if (chunk_ && chunk_.UseCount() == 1) {
    cursor_ = 0;
    return;
  }
  chunk_ = ChunkRef::Allocate(kChunkSize);
  cursor_ = 0;
  ++chunks_started_;
}

View RxCarver::Take(size_t n) {
  assert(n <= slot_size_ && cursor_ + slot_size_ <= chunk_->capacity());
  View v(chunk_, static_cast<uint32_t>(cursor_), static_cast<uint32_t>(n));
  cursor_ += (n + kAlign - 1) & ~(kAlign - 1);
  return v;
}

}  // namespace fdlink
