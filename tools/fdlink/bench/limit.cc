// The limit: the cheapest loop that does a dispatch mode's job, to bound
// what the endpoint can reach on the same descriptor.
#include <sys/socket.h>

#include <array>
#include <system_error>
#include <thread>
#include <vector>

#include "bench/receiver.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {
namespace {

// kBufferSize matches the endpoint's receive slot (64 KiB plus headers).
constexpr size_t kBufferSize = 65536 + 128;

class LimitReceiver final : public Receiver {
 public:
  explicit LimitReceiver(fdbased::PacketDispatchMode mode) : mode_(mode) {}
  ~LimitReceiver() override { Stop(); }

  Result<void> Start(int fd) override {
    if (Result<void> r = sys::SetNonBlocking(fd); !r) return r.error();
    Result<UniqueFd> efd = sys::EventFd();
    if (!efd) return efd.error();
    stop_fd_ = std::move(*efd);
    const size_t n = mode_ == fdbased::PacketDispatchMode::kRecvMMsg
                         ? fdbased::kMaxMsgsPerRecv
                         : 1;
    buffers_.assign(n, std::vector<uint8_t>(kBufferSize));
    iovs_.resize(n);
    msgs_.assign(n, mmsghdr{});
    for (size_t i = 0; i < n; ++i) {
      iovs_[i] = iovec{buffers_[i].data(), buffers_[i].size()};
      msgs_[i].msg_hdr.msg_iov = &iovs_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    try {
      thread_ = std::thread([this, fd] { Run(fd); });
    } catch (const std::system_error& e) {
      return Error{Errc::kNoBufferSpace, e.code().value(),
                   "bench: cannot start the limit thread"};
    }
    return Ok();
  }

  void Stop() override {
    stop_.store(true, std::memory_order_release);
    if (stop_fd_.valid()) (void)sys::EventFdSignal(stop_fd_.get());
    if (thread_.joinable()) thread_.join();
  }

  uint64_t Packets() const override {
    return packets_.load(std::memory_order_relaxed);
  }
  uint64_t Bytes() const override {
    return bytes_.load(std::memory_order_relaxed);
  }

 private:
  // Receive reads once: packets in *n, bytes in *b. False when the loop
  // must end (error, end of stream, or a stop while waiting).
  bool Receive(int fd, uint64_t* n, uint64_t* b) {
    Result<size_t> r = Errc::kWouldBlock;
    if (mode_ == fdbased::PacketDispatchMode::kRecvMMsg) {
      r = sys::RecvMmsg(fd, msgs_);
      if (r) {
        for (size_t i = 0; i < *r; ++i) *b += msgs_[i].msg_len;
        *n += *r;
      }
    } else {
      r = sys::Read(fd, buffers_[0]);
      if (r) {
        if (*r == 0) return false;
        *b += *r;
        *n += 1;
      }
    }
    if (r) return true;
    if (r.error().code != Errc::kWouldBlock) return false;
    Result<sys::PollResult> p = sys::PollTwo(fd, stop_fd_.get(), -1);
    return p && !p->stop && (p->fd_readable || !(p->fd_error || p->fd_hangup));
  }

  void Run(int fd) {
    uint64_t n = 0, b = 0;
    while (!stop_.load(std::memory_order_acquire)) {
      if (!Receive(fd, &n, &b)) break;
      packets_.store(n, std::memory_order_relaxed);
      bytes_.store(b, std::memory_order_relaxed);
    }
    packets_.store(n, std::memory_order_relaxed);
    bytes_.store(b, std::memory_order_relaxed);
  }

  const fdbased::PacketDispatchMode mode_;
  UniqueFd stop_fd_;
  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint64_t> packets_{0};
  std::atomic<uint64_t> bytes_{0};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Receiver> MakeLimitReceiver(fdbased::PacketDispatchMode mode) {
  return std::make_unique<LimitReceiver>(mode);
}

}  // namespace fdlink::tool
