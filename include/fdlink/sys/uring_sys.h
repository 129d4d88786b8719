// uring_sys: a thin wrapper over one io_uring instance (Debian's liburing
// 2.3), for the io_uring dispatch mode. Its public face has no liburing
// types; descriptor and memory arguments are borrowed until the request
// that names them completes.
#ifndef FDLINK_SYS_URING_SYS_H_
#define FDLINK_SYS_URING_SYS_H_

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "fdlink/base/result.h"

namespace fdlink::sys {

// kOpReadMultishot is IORING_OP_READ_MULTISHOT (Linux 6.7), which
// liburing 2.3 does not name.
inline constexpr int kOpReadMultishot = 49;

// UringSupport is what the running kernel's io_uring offers. `ring` is
// false when io_uring_setup fails (an old kernel, the io_uring_disabled
// sysctl, a seccomp filter); the op fields come from IORING_REGISTER_PROBE.
struct UringSupport {
  bool ring = false;
  bool writev = false;          // IORING_OP_WRITEV (5.1).
  bool poll = false;            // IORING_OP_POLL_ADD.
  bool cancel = false;          // IORING_OP_ASYNC_CANCEL.
  bool recv = false;            // IORING_OP_RECV (5.6); multishot needs 6.0.
  bool read_multishot = false;  // IORING_OP_READ_MULTISHOT (6.7).
  // setup_error is io_uring_setup's failure when `ring` is false.
  Error setup_error;
};

// ProbeUring probes once per process (thread-safe) and returns the same
// answer afterwards.
const UringSupport& ProbeUring();

// UringCompletion is one completion: the request's tag, its result (bytes,
// or -errno) and its CQE flags.
struct UringCompletion {
  uint64_t user_data = 0;
  int32_t res = 0;
  uint32_t flags = 0;
  // More: a multishot request stays armed (IORING_CQE_F_MORE).
  bool More() const;
  // HasBuffer: the result is in a provided buffer (IORING_CQE_F_BUFFER),
  // whose id BufferId is.
  bool HasBuffer() const;
  uint16_t BufferId() const;
};

// Uring is one io_uring instance. Threading: not thread-safe; one thread
// at a time queues, submits and reaps (callers serialise or keep one per
// thread). The destructor tears the ring down; the kernel cancels what is
// still in flight, so memory named by a request must outlive the Uring.
class Uring {
 public:
  // Create sets up a ring with `entries` submission slots (a power of two
  // is not required; the kernel rounds up). Errors: io_uring_setup's errno
  // (kNotSupported when the kernel has no io_uring, kPermissionDenied when
  // it is disabled, kNoBufferSpace for locked-memory limits).
  static Result<std::unique_ptr<Uring>> Create(unsigned entries);
  ~Uring();
  Uring(const Uring&) = delete;
  Uring& operator=(const Uring&) = delete;

  // Fd is the ring's descriptor: poll(2) reports it readable while
  // completions are waiting.
  int Fd() const;
  // SqSpace is how many requests can be queued before a Submit.
  unsigned SqSpace() const;

  // The Queue calls add one request (not yet submitted) and return false
  // when the submission queue is full. `iov` (and the bytes it names)
  // must stay valid until the write completes.
  bool QueueWritev(int fd, std::span<const iovec> iov, uint64_t user_data);
  // QueueReadMultishot arms a multishot read of `fd` (opcode 49) into
  // buffers of provided-buffer group `group`.
  bool QueueReadMultishot(int fd, uint16_t group, uint64_t user_data);
  // QueueRecvMultishot arms a multishot recv on socket `fd` into `group`.
  bool QueueRecvMultishot(int fd, uint16_t group, uint64_t user_data);
  // The same with recv(2) `msg_flags` (MSG_TRUNC: a completion then holds
  // a datagram's real length, so one cut short by its buffer shows).
  bool QueueRecvMultishot(int fd, uint16_t group, uint64_t user_data,
                          int msg_flags);
  // QueuePoll arms a one-shot POLLIN poll of `fd`.
  bool QueuePoll(int fd, uint64_t user_data);
  // QueueCancel cancels every request tagged `target`.
  bool QueueCancel(uint64_t target, uint64_t user_data);

  // Submit hands queued requests to the kernel; returns how many.
  // SubmitAndWait also waits until at least `wait_nr` completions are
  // ready (EINTR is retried). Errors: io_uring_enter's errno.
  Result<unsigned> Submit();
  Result<unsigned> SubmitAndWait(unsigned wait_nr);
  // Reap moves up to out.size() ready completions into `out` (consuming
  // them) and returns how many; 0 when none is ready. Never blocks.
  size_t Reap(std::span<UringCompletion> out);

  // RegisterBufRing registers `entries` (a power of two) provided-buffer
  // slots at `ring_mem` (page-aligned, entries * 16 bytes, owned by the
  // caller and kept until UnregisterBufRing) as group `group`. liburing
  // 2.3 has no io_uring_setup_buf_ring: the caller maps the memory.
  Result<void> RegisterBufRing(void* ring_mem, unsigned entries,
                               uint16_t group);
  Result<void> UnregisterBufRing(uint16_t group);

 private:
  struct Impl;
  explicit Uring(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_URING_SYS_H_
