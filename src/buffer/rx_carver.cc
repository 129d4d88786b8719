#include "fdlink/buffer/rx_carver.h"

#include <cassert>
#include <cstdlib>
#include <utility>

namespace fdlink {
namespace {
constexpr size_t kChunkSize =
    Chunk::kSizeClasses[std::size(Chunk::kSizeClasses) - 1];
}  // namespace

RxCarver::RxCarver(size_t slot_size) : slot_size_(slot_size) {
  if (slot_size_ > kChunkSize) std::abort();  // Programming error.
  NextChunk();
}

RxCarver::~RxCarver() { DropCredits(); }

RxCarver::RxCarver(RxCarver&& o) noexcept
    : slot_size_(o.slot_size_),
      chunk_(std::move(o.chunk_)),
      credits_(std::exchange(o.credits_, 0)),
      cursor_(o.cursor_),
      chunks_started_(o.chunks_started_) {}

void RxCarver::DropCredits() {
  if (credits_ > 0) chunk_->DropRefs(credits_);
  credits_ = 0;
}

void RxCarver::NextChunk() {
  // Reuse the current chunk from the start if no packet holds it any more:
  // only this carver's own reference and its unspent credits remain.
  if (chunk_ && chunk_.UseCount() == 1 + credits_) {
    cursor_ = 0;
    return;
  }
  DropCredits();
  chunk_ = ChunkRef::Allocate(kChunkSize);
  cursor_ = 0;
  ++chunks_started_;
}

View RxCarver::Take(size_t n) {
  assert(n <= slot_size_ && cursor_ + slot_size_ <= chunk_->capacity());
  if (credits_ == 0) {
    chunk_->AddRefs(kCredits);
    credits_ = kCredits;
  }
  --credits_;
  View v(ChunkRef::Adopt(chunk_.get()), static_cast<uint32_t>(cursor_),
         static_cast<uint32_t>(n));
  cursor_ += (n + kAlign - 1) & ~(kAlign - 1);
  return v;
}

}  // namespace fdlink
