// uring_buf_ring: an io_uring provided-buffer ring's memory, mapped by hand
// (Debian's liburing 2.3 has no io_uring_setup_buf_ring) and filled through
// liburing's inline io_uring_buf_ring_add/_advance.
#ifndef FDLINK_SYS_URING_BUF_RING_H_
#define FDLINK_SYS_URING_BUF_RING_H_

#include <cstdint>
#include <memory>

#include "fdlink/base/result.h"
#include "fdlink/sys/mapping_sys.h"

namespace fdlink::sys {

// UringBufRing owns the slot array of one provided-buffer ring (16 bytes a
// slot, page-aligned). Register it with Uring::RegisterBufRing(Memory(),
// Entries(), group); it must outlive that registration. The buffers the
// slots name are the caller's.
//
// Threading: not thread-safe. The ring's tail belongs to one thread at a
// time (the one handing buffers to the kernel); the kernel consumes slots
// concurrently, which the release store in Publish orders.
class UringBufRing {
 public:
  // kMaxEntries is the kernel's limit on a buffer ring's size.
  static constexpr unsigned kMaxEntries = 32768;

  // Create maps a ring of `entries` slots (a power of two, 1..kMaxEntries),
  // all empty. Errors: kInvalidArgument for a bad count, mmap's errno.
  static Result<std::unique_ptr<UringBufRing>> Create(unsigned entries);

  UringBufRing(const UringBufRing&) = delete;
  UringBufRing& operator=(const UringBufRing&) = delete;

  // Memory is the slot array, for RegisterBufRing.
  void* Memory() const { return map_.data(); }
  unsigned Entries() const { return entries_; }

  // Add stages buffer `bid` (`len` bytes at `addr`, borrowed until the
  // kernel hands it back in a completion) in the next free slot; the kernel
  // sees it after Publish. At most Entries() buffers may be in the ring.
  void Add(uint16_t bid, void* addr, uint32_t len);
  // Staged is how many buffers Add staged since the last Publish.
  unsigned Staged() const { return staged_; }
  // Publish makes every staged buffer visible to the kernel.
  void Publish();

 private:
  UringBufRing(AnonMapping map, unsigned entries)
      : map_(std::move(map)), entries_(entries) {}
  AnonMapping map_;
  const unsigned entries_;
  unsigned staged_ = 0;
};

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_URING_BUF_RING_H_
