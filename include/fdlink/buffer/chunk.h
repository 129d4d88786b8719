// Chunk, ChunkRef and View: pooled, reference-counted blocks of packet bytes
// and shared windows onto them.
#ifndef FDLINK_BUFFER_CHUNK_H_
#define FDLINK_BUFFER_CHUNK_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>

namespace fdlink {

class Chunk;

// ChunkOwner owns the bytes of external chunks (Chunk::MakeExternal), for
// memory the pool does not own: a kernel ring's frames, say. Threading:
// OnChunkReleased runs on whichever thread drops a lent chunk's last
// reference, any number of them at once (for different chunks), in any
// order; it must not block. The owner must outlive every lent chunk.
class ChunkOwner {
 public:
  // OnChunkReleased is told that `c`, lent with ChunkRef::Lend, has no
  // reference left; its bytes are the owner's again, and `c` may be lent
  // again or destroyed.
  virtual void OnChunkReleased(Chunk* c) = 0;

 protected:
  ~ChunkOwner() = default;
};

// Chunk is a block of bytes owned by the chunk pool and shared by reference
// count. Chunks come in a few size classes; a released chunk returns to a
// per-thread cache, then to the global pool, so steady-state traffic does not
// touch the heap. Use ChunkRef to hold one.
class Chunk {
 public:
  // Size classes, in bytes. Larger requests get an exact, unpooled chunk.
  static constexpr size_t kSizeClasses[] = {2048, 16384, 65536 + 1024,
                                            256 * 1024};
  static constexpr int kUnpooled = -1;
  static constexpr int kExternal = -2;

  // MakeExternal makes a chunk over `capacity` bytes at `data` that belong
  // to `owner` (both non-null, borrowed: they must outlive the chunk). It
  // starts unreferenced; ChunkRef::Lend hands it out, and the owner hears
  // of its last release. Destroy it only while unreferenced.
  static std::unique_ptr<Chunk> MakeExternal(uint8_t* data, size_t capacity,
                                             ChunkOwner* owner);

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t capacity() const { return capacity_; }

  // LiveCount is the number of chunks currently referenced (not in a pool).
  static int64_t LiveCount();

 private:
  friend class ChunkRef;
  friend class ChunkPool;
  friend class RxCarver;
  Chunk(size_t capacity, int size_class);
  Chunk(uint8_t* data, size_t capacity, ChunkOwner* owner);

  void IncRef() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void DecRef();
  // AddRefs and DropRefs move n references at once (RxCarver's credits);
  // DropRefs never frees: its caller holds one more.
  void AddRefs(int32_t n) { refs_.fetch_add(n, std::memory_order_relaxed); }
  void DropRefs(int32_t n) { refs_.fetch_sub(n, std::memory_order_release); }

  std::atomic<int32_t> refs_{0};
  const int size_class_;
  const size_t capacity_;
  std::unique_ptr<uint8_t[]> storage_;  // Null for an external chunk.
  uint8_t* const data_;
  ChunkOwner* const owner_ = nullptr;  // Set only for an external chunk.
};

// ChunkRef is a counted reference to a Chunk (copy adds a reference, the
// destructor drops one). An empty ChunkRef holds nothing.
class ChunkRef {
 public:
  ChunkRef() = default;
  // Allocate returns a chunk with capacity >= size (never null; aborts only
  // if the heap is exhausted, like operator new).
  static ChunkRef Allocate(size_t size);
  // Lend returns the first reference to external chunk `c` (from
  // Chunk::MakeExternal; not null, not referenced). It counts as live until
  // its last reference goes, when its owner's OnChunkReleased runs.
  static ChunkRef Lend(Chunk* c);

  ChunkRef(const ChunkRef& o) : c_(o.c_) {
    if (c_ != nullptr) c_->IncRef();
  }
  ChunkRef(ChunkRef&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  ChunkRef& operator=(ChunkRef o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  ~ChunkRef() {
    if (c_ != nullptr) c_->DecRef();
  }

  Chunk* get() const { return c_; }
  Chunk* operator->() const { return c_; }
  explicit operator bool() const { return c_ != nullptr; }
  // Adopt takes over one reference that the caller already counted on `c`
  // (through Chunk::AddRefs); it does not add one.
  static ChunkRef Adopt(Chunk* c) {
    ChunkRef r;
    r.c_ = c;
    return r;
  }

  // UseCount is the chunk's reference count (for tests and the carver). It
  // loads with acquire, so a caller that sees 1 may reuse the bytes that the
  // threads which dropped their references had read.
  int32_t UseCount() const {
    return c_ == nullptr ? 0 : c_->refs_.load(std::memory_order_acquire);
  }

 private:
  explicit ChunkRef(Chunk* c) : c_(c) { c_->IncRef(); }
  Chunk* c_ = nullptr;
};

// View is a window [offset, offset+size) onto a chunk; copying a View shares
// the bytes (adds a chunk reference). An empty View has size 0.
class View {
 public:
  View() = default;
  View(ChunkRef chunk, uint32_t offset, uint32_t size)
      : chunk_(std::move(chunk)), offset_(offset), size_(size) {}

  // CopyOf allocates a chunk and copies `bytes` into it.
  static View CopyOf(std::span<const uint8_t> bytes);

  uint8_t* data() { return chunk_->data() + offset_; }
  const uint8_t* data() const { return chunk_->data() + offset_; }
  uint32_t size() const { return size_; }
  uint32_t offset() const { return offset_; }
  bool empty() const { return size_ == 0; }
  std::span<uint8_t> bytes() { return {data(), size_}; }
  std::span<const uint8_t> bytes() const { return {data(), size_}; }
  const ChunkRef& chunk() const { return chunk_; }

  // TrimFront drops n bytes from the front; CapLength keeps the first n.
  void TrimFront(uint32_t n) {
    offset_ += n;
    size_ -= n;
  }
  void CapLength(uint32_t n) { size_ = n < size_ ? n : size_; }

 private:
  ChunkRef chunk_;
  uint32_t offset_ = 0;
  uint32_t size_ = 0;
};

}  // namespace fdlink

#endif  // FDLINK_BUFFER_CHUNK_H_
