#include "link/fdbased/uring_rx.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "link/fdbased/fd_state.h"
#include "link/fdbased/packet_reader.h"

namespace fdlink::fdbased {
namespace {

// kGroup is the provided-buffer group: one ring per fd, so one group.
constexpr uint16_t kGroup = 0;
// kReapBatch is the most completions one Reap takes.
constexpr size_t kReapBatch = 64;

constexpr uint64_t Tag(uint64_t kind, uint64_t gen) {
  return (gen << 8) | kind;
}

}  // namespace

Result<UringRxRef> UringRx::Create(int fd, const UringRxShape& shape) {
  UringRxRef rx = UringRxRef::Adopt(new UringRx(fd, shape));
  if (Result<void> r = rx->Init(); !r) return r.error();
  return rx;
}

UringRx::UringRx(int fd, const UringRxShape& shape) : fd_(fd), shape_(shape) {}

Result<void> UringRx::Init() {
  // Completions come per buffer, plus one per ended arming, poll and
  // cancel: `buffers` submission slots give a completion queue of twice
  // that, which never overflows (an overflowed completion waits in the
  // kernel until an io_uring_enter that the loop, polling the ring's
  // descriptor, never makes: the loop would stall).
  Result<std::unique_ptr<sys::Uring>> ring =
      sys::Uring::Create(std::max(8u, shape_.buffers));
  if (!ring) return ring.error();
  ring_ = std::move(*ring);
  Result<std::unique_ptr<sys::UringBufRing>> br =
      sys::UringBufRing::Create(shape_.buffers);
  if (!br) return br.error();
  buf_ring_ = std::move(*br);
  Result<sys::AnonMapping> mem =
      sys::AnonMapping::Map(size_t{shape_.buffers} * shape_.buffer_size);
  if (!mem) return mem.error();
  mem_ = std::move(*mem);
  Result<UniqueFd> wake = sys::EventFd();
  if (!wake) return wake.error();
  wake_ = std::move(*wake);
  chunks_.reset(new std::unique_ptr<Chunk>[shape_.buffers]);
  next_.reset(new uint32_t[shape_.buffers]());
  for (unsigned i = 0; i < shape_.buffers; ++i) {
    chunks_[i] = Chunk::MakeExternal(mem_.data() + i * shape_.buffer_size,
                                     shape_.buffer_size, this);
    Stage(static_cast<uint16_t>(i));
  }
  PublishStaged();
  if (Result<void> r = ring_->RegisterBufRing(buf_ring_->Memory(),
                                              buf_ring_->Entries(), kGroup);
      !r) {
    return r.error();
  }
  registered_ = true;
  return Ok();
}

UringRx::~UringRx() {
  // No request is armed (every reader quiesced before dropping its
  // reference) and no buffer is lent (each holds a reference).
  if (registered_) (void)ring_->UnregisterBufRing(kGroup);
  ring_.reset();
}

void UringRx::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void UringRx::Stage(uint16_t bid) {
  buf_ring_->Add(bid, mem_.data() + size_t{bid} * shape_.buffer_size,
                 static_cast<uint32_t>(shape_.buffer_size));
}

void UringRx::TakeReturned() {
  uint32_t h = returned_.exchange(0, std::memory_order_acquire);
  while (h != 0) {
    const uint32_t bid = h - 1;
    h = next_[bid];
    Stage(static_cast<uint16_t>(bid));
  }
}

void UringRx::PublishStaged() {
  in_kernel_ += buf_ring_->Staged();
  buf_ring_->Publish();
}

Result<void> UringRx::Arm() {
  ++gen_;
  const uint64_t tag = Tag(kRecvKind, gen_);
  // MSG_TRUNC: a datagram longer than its buffer reports its real length.
  const bool queued =
      shape_.socket ? ring_->QueueRecvMultishot(fd_, kGroup, tag, MSG_TRUNC)
                    : ring_->QueueReadMultishot(fd_, kGroup, tag);
  if (!queued) return Error{Errc::kNoBufferSpace, 0, "io_uring: SQ full"};
  Result<unsigned> s = ring_->Submit();
  if (!s) return s.error();
  armed_ = true;
  ++live_;
  return Ok();
}

void UringRx::Handle(const sys::UringCompletion& c, std::span<RxFrame> out,
                     size_t* got, FdState& st) {
  const uint64_t kind = c.user_data & 0xff;
  if (kind == kWakeKind) {
    wake_armed_ = false;
    uint8_t drain[8];
    (void)sys::Read(wake_.get(), drain);
    return;
  }
  if (kind != kRecvKind) return;  // A cancel's own completion.
  const bool current = c.user_data == Tag(kRecvKind, gen_);
  if (!c.More()) {
    if (live_ > 0) --live_;
    if (current) armed_ = false;
  }
  if (c.HasBuffer() && --in_kernel_ == 0) {
    // The kernel has no buffer left: the stack holds them all (or the
    // loop has yet to hand back what it reaped). Counted once per dry run;
    // a request still armed may sit parked until kicked (Read).
    st.rx_ring_dry.Add(1);
    kick_ = armed_;
  }
  if (c.res > 0 && c.HasBuffer()) {
    const uint16_t bid = c.BufferId();
    RxFrame& f = out[(*got)++];
    f.checksum_trusted = false;
    if (static_cast<size_t>(c.res) > shape_.buffer_size) {
      // Larger than the link's largest frame: cut short, reported as such.
      f.bytes = View();
      f.truncated = true;
      Stage(bid);
      return;
    }
    lent_.fetch_add(1, std::memory_order_relaxed);
    Ref();  // The buffer's: dropped in OnChunkReleased.
    f.bytes = View(ChunkRef::Lend(chunks_[bid].get()), 0,
                   static_cast<uint32_t>(c.res));
    f.truncated = false;
    return;
  }
  if (c.HasBuffer()) Stage(c.BufferId());
  if (!current) return;  // An earlier arming's end.
  const int err = -c.res;
  if (c.res == 0) {
    // End of stream, except for a datagram socket (an empty datagram) and
    // a SOCK_SEQPACKET one whose peer sent an empty record.
    bool eof = !shape_.socket || shape_.socket_type == SOCK_STREAM;
    if (shape_.socket_type == SOCK_SEQPACKET) {
      Result<bool> end = sys::AtEndOfRecords(fd_);
      eof = !end || *end;
    }
    if (eof) {
      failed_ = true;
      pending_ = Error{Errc::kPeerClosed, 0, "io_uring read: end of stream"};
    } else {
      RxFrame& f = out[(*got)++];
      f = RxFrame{};
    }
    return;
  }
  // -ENOBUFS: the request ended on the dry ring (counted above, when the
  // last buffer went); re-armed once one comes back.
  if (err == ENOBUFS || err == ECANCELED || err == EAGAIN || err == EINTR)
    return;
  failed_ = true;
  pending_ = Error::FromErrno(err, shape_.socket ? "io_uring recv multishot"
                                                 : "io_uring read multishot");
}

Result<size_t> UringRx::Read(std::span<RxFrame> out, FdState& st) {
  starved_.store(false, std::memory_order_relaxed);
  TakeReturned();
  PublishStaged();
  std::array<sys::UringCompletion, kReapBatch> cqes;
  const std::span<sys::UringCompletion> room =
      std::span(cqes).first(std::min(out.size(), kReapBatch));
  size_t n = ring_->Reap(room);
  if (n == 0) {
    // Free unless the kernel flags completions held back (an overflow):
    // liburing then enters the kernel, which flushes them.
    (void)ring_->Submit();
    n = ring_->Reap(room);
  }
  size_t got = 0;
  for (size_t i = 0; i < n; ++i) Handle(cqes[i], out, &got, st);
  PublishStaged();
  if (got > 0) return got;
  if (failed_) {
    failed_ = false;
    return pending_;
  }
  if (in_kernel_ > 0 && (!armed_ || kick_)) {
    // A request left parked on the dry ring (Linux 6.18 keeps a multishot
    // request armed when it finds no buffer, retrying only on the next
    // packet) is cancelled and re-armed, so packets already queued on the
    // fd are read now.
    if (armed_ &&
        !ring_->QueueCancel(Tag(kRecvKind, gen_), Tag(kCancelKind, 0)))
      return Error{Errc::kNoBufferSpace, 0, "io_uring: SQ full"};
    kick_ = false;
    if (Result<void> r = Arm(); !r) return r.error();
  }
  return Errc::kWouldBlock;
}

Result<sys::PollResult> UringRx::Wait(int stop_fd) {
  if (in_kernel_ == 0) {
    // Dekker with OnChunkReleased: either it sees starved_ and signals
    // wake_, or we see its buffer on the list here.
    starved_.store(true, std::memory_order_seq_cst);
    if (returned_.load(std::memory_order_seq_cst) != 0) {
      starved_.store(false, std::memory_order_relaxed);
      return sys::PollResult{.fd_readable = true};
    }
    if (!wake_armed_) {
      if (!ring_->QueuePoll(wake_.get(), Tag(kWakeKind, 0)))
        return Error{Errc::kNoBufferSpace, 0, "io_uring: SQ full"};
      Result<unsigned> s = ring_->Submit();
      if (!s) return s.error();
      wake_armed_ = true;
    }
  }
  // The stop eventfd is in every wait (the lifecycle model's ring Wait).
  Result<sys::PollResult> p =
      sys::PollTwo(ring_->Fd(), stop_fd, -1);  // model: uring_wait.poll
  if (p) {
    // The ring's descriptor never hangs up; the fd's failures come as
    // completions.
    p->fd_hangup = false;
    p->fd_error = false;
  }
  return p;
}

void UringRx::Quiesce(FdState& st) {
  if (armed_ && ring_->QueueCancel(Tag(kRecvKind, gen_), Tag(kCancelKind, 0)))
    (void)ring_->Submit();
  std::array<RxFrame, kReapBatch> frames;
  std::array<sys::UringCompletion, kReapBatch> cqes;
  // Every arming's last completion: the current one's after this cancel,
  // and an earlier one's, cancelled when the dry ring was kicked.
  while (live_ > 0) {
    if (!ring_->SubmitAndWait(1)) break;
    const size_t n = ring_->Reap(cqes);
    size_t got = 0;
    for (size_t i = 0; i < n; ++i) Handle(cqes[i], frames, &got, st);
    for (size_t i = 0; i < got; ++i) {
      if (frames[i].bytes.size() > 0) st.Drop(DropReason::kDetached);
      frames[i] = RxFrame{};  // Releases the buffer onto the list.
    }
  }
  failed_ = false;
  TakeReturned();
  PublishStaged();
}

void UringRx::OnChunkReleased(Chunk* c) {
  const auto bid =
      static_cast<uint32_t>((c->data() - mem_.data()) / shape_.buffer_size);
  uint32_t old = returned_.load(std::memory_order_relaxed);
  do {
    next_[bid] = old;
  } while (!returned_.compare_exchange_weak(
      old, bid + 1, std::memory_order_seq_cst, std::memory_order_relaxed));
  lent_.fetch_sub(1, std::memory_order_relaxed);
  if (starved_.load(std::memory_order_seq_cst) &&
      starved_.exchange(false, std::memory_order_seq_cst)) {
    // Cannot fail short of a closed fd, and the ring keeps it open.
    (void)sys::EventFdSignal(wake_.get());
  }
  Unref();  // Last touch: may free the ring.
}

}  // namespace fdlink::fdbased
