// mapping_sys: anonymous memory mappings, for memory the kernel reads or
// writes on its own (io_uring buffer rings and the buffers they name).
#ifndef FDLINK_SYS_MAPPING_SYS_H_
#define FDLINK_SYS_MAPPING_SYS_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "fdlink/base/result.h"

namespace fdlink::sys {

// AnonMapping owns a private, zero-filled, page-aligned anonymous mapping
// and unmaps it when destroyed. Move-only; an empty one (default or moved
// from) owns nothing. Threading: the bytes are the owner's to share; the
// object itself is not thread-safe.
class AnonMapping {
 public:
  // Map maps `bytes` (> 0, rounded up to whole pages) read-write. Errors:
  // mmap's errno (kNoBufferSpace for ENOMEM).
  static Result<AnonMapping> Map(size_t bytes);

  AnonMapping() = default;
  AnonMapping(AnonMapping&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)) {}
  AnonMapping& operator=(AnonMapping&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~AnonMapping();

  // Data is the first byte (null when empty); Size the mapped length.
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  AnonMapping(uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// KernelVersion is the running kernel's major.minor release (uname(2)).
struct KernelVersion {
  int major = 0;
  int minor = 0;
  // AtLeast reports whether this version is major.minor or later.
  bool AtLeast(int maj, int min) const {
    return major > maj || (major == maj && minor >= min);
  }
};

// RunningKernel reads the release once per process (thread-safe); 0.0 when
// it does not parse.
KernelVersion RunningKernel();

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_MAPPING_SYS_H_
