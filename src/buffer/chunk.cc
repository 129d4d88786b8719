#include "fdlink/buffer/chunk.h"

#include <cstring>

#include "buffer/free_list.h"
#include "buffer/live_counter.h"

namespace fdlink {
namespace {

constexpr int kNumClasses = std::size(Chunk::kSizeClasses);

LiveCounter g_live_chunks;

// One free list per size class. Deliberately leaked: chunks released by
// thread-local caches during exit must still find their pool.
FreeList<Chunk>& PoolFor(int size_class) {
  static auto* pools = new FreeList<Chunk>[kNumClasses];
  return pools[size_class];
}

int ClassFor(size_t size) {
  for (int i = 0; i < kNumClasses; ++i) {
    if (size <= Chunk::kSizeClasses[i]) return i;
  }
  return Chunk::kUnpooled;
}

}  // namespace

class ChunkPool {
 public:
  static Chunk* Get(size_t size) {
    int cls = ClassFor(size);
    Chunk* c = nullptr;
    if (cls != Chunk::kUnpooled) c = PoolFor(cls).Pop();
    if (c == nullptr) {
      c = new Chunk(cls == Chunk::kUnpooled ? size : Chunk::kSizeClasses[cls],
                    cls);
    }
    g_live_chunks.Add(1);
    return c;
  }
  static void Put(Chunk* c) {
    g_live_chunks.Add(-1);
    if (c->size_class_ == Chunk::kUnpooled) {
      delete c;
      return;
    }
    PoolFor(c->size_class_).Push(c);
  }
};

Chunk::Chunk(size_t capacity, int size_class)
    : size_class_(size_class),
      capacity_(capacity),
      storage_(new uint8_t[capacity]),
      data_(storage_.get()) {}

Chunk::Chunk(uint8_t* data, size_t capacity, ChunkOwner* owner)
    : size_class_(kExternal), capacity_(capacity), data_(data), owner_(owner) {}

std::unique_ptr<Chunk> Chunk::MakeExternal(uint8_t* data, size_t capacity,
                                           ChunkOwner* owner) {
  return std::unique_ptr<Chunk>(new Chunk(data, capacity, owner));
}

void Chunk::DecRef() {
  // The sole owner needs no atomic decrement: nobody else holds a
  // reference, so nobody can add one. A pooled chunk has no references.
  if (refs_.load(std::memory_order_acquire) == 1) {
    refs_.store(0, std::memory_order_relaxed);
  } else if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    return;
  }
  if (owner_ != nullptr) {
    // Counted down first: the owner may destroy the chunk.
    g_live_chunks.Add(-1);
    owner_->OnChunkReleased(this);
    return;
  }
  ChunkPool::Put(this);
}

int64_t Chunk::LiveCount() { return g_live_chunks.Get(); }

ChunkRef ChunkRef::Allocate(size_t size) {
  return ChunkRef(ChunkPool::Get(size));
}

ChunkRef ChunkRef::Lend(Chunk* c) {
  g_live_chunks.Add(1);
  return ChunkRef(c);
}

View View::CopyOf(std::span<const uint8_t> bytes) {
  ChunkRef c = ChunkRef::Allocate(bytes.size());
  if (!bytes.empty()) std::memcpy(c->data(), bytes.data(), bytes.size());
  return View(std::move(c), 0, static_cast<uint32_t>(bytes.size()));
}

}  // namespace fdlink
