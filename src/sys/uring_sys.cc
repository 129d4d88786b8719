#include "fdlink/sys/uring_sys.h"

#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

namespace fdlink::sys {

struct Uring::Impl {
  io_uring ring;
};

namespace {

Error FromNegErrno(int neg, const char* op) {
  return Error::FromErrno(-neg, op);
}

UringSupport Probe() {
  UringSupport s;
  io_uring ring;
  if (const int r = io_uring_queue_init(4, &ring, 0); r < 0) {
    s.setup_error = FromNegErrno(r, "io_uring_setup");
    return s;
  }
  s.ring = true;
  if (io_uring_probe* p = io_uring_get_probe_ring(&ring); p != nullptr) {
    s.writev = io_uring_opcode_supported(p, IORING_OP_WRITEV) != 0;
    s.poll = io_uring_opcode_supported(p, IORING_OP_POLL_ADD) != 0;
    s.cancel = io_uring_opcode_supported(p, IORING_OP_ASYNC_CANCEL) != 0;
    s.recv = io_uring_opcode_supported(p, IORING_OP_RECV) != 0;
    s.read_multishot = io_uring_opcode_supported(p, kOpReadMultishot) != 0;
    io_uring_free_probe(p);
  }
  io_uring_queue_exit(&ring);
  return s;
}

}  // namespace

const UringSupport& ProbeUring() {
  static const UringSupport support = Probe();
  return support;
}

bool UringCompletion::More() const { return (flags & IORING_CQE_F_MORE) != 0; }
bool UringCompletion::HasBuffer() const {
  return (flags & IORING_CQE_F_BUFFER) != 0;
}
uint16_t UringCompletion::BufferId() const {
  return static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
}

Uring::Uring(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Uring::~Uring() { io_uring_queue_exit(&impl_->ring); }

Result<std::unique_ptr<Uring>> Uring::Create(unsigned entries) {
  auto impl = std::make_unique<Impl>();
  if (const int r = io_uring_queue_init(entries, &impl->ring, 0); r < 0)
    return FromNegErrno(r, "io_uring_setup");
  return std::unique_ptr<Uring>(new Uring(std::move(impl)));
}

int Uring::Fd() const { return impl_->ring.ring_fd; }

unsigned Uring::SqSpace() const { return io_uring_sq_space_left(&impl_->ring); }

bool Uring::QueueWritev(int fd, std::span<const iovec> iov,
                        uint64_t user_data) {
  io_uring_sqe* sqe = io_uring_get_sqe(&impl_->ring);
  if (sqe == nullptr) return false;
  io_uring_prep_writev(sqe, fd, iov.data(), static_cast<unsigned>(iov.size()),
                       static_cast<__u64>(-1));
  io_uring_sqe_set_data64(sqe, user_data);
  return true;
}

bool Uring::QueueReadMultishot(int fd, uint16_t group, uint64_t user_data) {
  io_uring_sqe* sqe = io_uring_get_sqe(&impl_->ring);
  if (sqe == nullptr) return false;
  io_uring_prep_rw(kOpReadMultishot, sqe, fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = group;
  io_uring_sqe_set_data64(sqe, user_data);
  return true;
}

bool Uring::QueueRecvMultishot(int fd, uint16_t group, uint64_t user_data) {
  return QueueRecvMultishot(fd, group, user_data, 0);
}

bool Uring::QueueRecvMultishot(int fd, uint16_t group, uint64_t user_data,
                               int msg_flags) {
  io_uring_sqe* sqe = io_uring_get_sqe(&impl_->ring);
  if (sqe == nullptr) return false;
  io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, msg_flags);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = group;
  io_uring_sqe_set_data64(sqe, user_data);
  return true;
}

bool Uring::QueuePoll(int fd, uint64_t user_data) {
  io_uring_sqe* sqe = io_uring_get_sqe(&impl_->ring);
  if (sqe == nullptr) return false;
  io_uring_prep_poll_add(sqe, fd, POLLIN);
  io_uring_sqe_set_data64(sqe, user_data);
  return true;
}

bool Uring::QueueCancel(uint64_t target, uint64_t user_data) {
  io_uring_sqe* sqe = io_uring_get_sqe(&impl_->ring);
  if (sqe == nullptr) return false;
  io_uring_prep_cancel64(sqe, target, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, user_data);
  return true;
}

Result<unsigned> Uring::Submit() {
  const int r = io_uring_submit(&impl_->ring);
  if (r < 0) return FromNegErrno(r, "io_uring_enter");
  return static_cast<unsigned>(r);
}

Result<unsigned> Uring::SubmitAndWait(unsigned wait_nr) {
  int r;
  do {
    r = io_uring_submit_and_wait(&impl_->ring, wait_nr);
  } while (r == -EINTR);
  if (r < 0) return FromNegErrno(r, "io_uring_enter");
  return static_cast<unsigned>(r);
}

size_t Uring::Reap(std::span<UringCompletion> out) {
  size_t n = 0;
  unsigned head;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(&impl_->ring, head, cqe) {
    if (n == out.size()) break;
    out[n++] = UringCompletion{cqe->user_data, cqe->res, cqe->flags};
  }
  io_uring_cq_advance(&impl_->ring, static_cast<unsigned>(n));
  return n;
}

Result<void> Uring::RegisterBufRing(void* ring_mem, unsigned entries,
                                    uint16_t group) {
  io_uring_buf_reg reg;
  std::memset(&reg, 0, sizeof(reg));
  reg.ring_addr = reinterpret_cast<uintptr_t>(ring_mem);
  reg.ring_entries = entries;
  reg.bgid = group;
  if (const int r = io_uring_register_buf_ring(&impl_->ring, &reg, 0); r < 0)
    return FromNegErrno(r, "io_uring_register_buf_ring");
  return {};
}

Result<void> Uring::UnregisterBufRing(uint16_t group) {
  if (const int r = io_uring_unregister_buf_ring(&impl_->ring, group); r < 0)
    return FromNegErrno(r, "io_uring_unregister_buf_ring");
  return {};
}

}  // namespace fdlink::sys
