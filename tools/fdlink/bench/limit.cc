// The limit: the cheapest loop that does a dispatch mode's job, to bound
// what the endpoint can reach on the same descriptor.
#include <sys/socket.h>

#include <array>
#include <system_error>
#include <thread>
#include <vector>

#include "bench/link.h"
#include "bench/receiver.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {
namespace {

// kBufferSize matches the endpoint's receive slot (64 KiB plus headers).
constexpr size_t kBufferSize = 65536 + 128;

// Counts are the loop's running sums, kept in locals and published after
// every call.
struct Counts {
  uint64_t packets = 0, bytes = 0, payload = 0, reads = 0;
};

class LimitReceiver final : public Receiver {
 public:
  LimitReceiver(fdbased::PacketDispatchMode mode, const RxFormat& format)
      : mode_(mode),
        vnet_bytes_(format.vnet_header ? header::kVirtioNetHeaderSize : 0),
        link_bytes_(format.link_header),
        udp_payloads_(format.udp_payloads) {}
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
  uint64_t PayloadBytes() const override {
    return payload_.load(std::memory_order_relaxed);
  }
  uint64_t Reads() const override {
    return reads_.load(std::memory_order_relaxed);
  }

 private:
  // Frame counts one frame of `len` bytes read into `buf`: without a
  // virtio-net header one wire packet; with one, as many as its GSO fields
  // say (ceil(payload / gso_size)), the header's bytes not counted.
  void Frame(const uint8_t* buf, size_t len, Counts* c) const {
    ++c->reads;
    // An Ethernet header (the veth link) is not counted as IP bytes.
    const size_t link = len < link_bytes_ ? len : link_bytes_;
    len -= link;
    if (udp_payloads_) {
      c->packets += 1;
      c->bytes += len + kBenchHeaders;
      c->payload += len;
      return;
    }
    if (len < vnet_bytes_ + kBenchHeaders) {
      c->packets += 1;
      c->bytes += len > vnet_bytes_ ? len - vnet_bytes_ : 0;
      return;
    }
    const size_t ip = len - vnet_bytes_;
    const size_t payload = ip - kBenchHeaders;
    c->bytes += ip;
    c->payload += payload;
    uint64_t segments = 1;
    if (vnet_bytes_ > 0) {
      header::VirtioNetHeader h(std::span<const uint8_t>(buf, vnet_bytes_));
      if (h.gso_type() != header::virtio_net::kGsoNone && h.gso_size() > 0)
        segments = (payload + h.gso_size() - 1) / h.gso_size();
    }
    c->packets += segments;
  }

  // Receive reads once into *c. False when the loop must end (error, end of
  // stream, or a stop while waiting).
  bool Receive(int fd, Counts* c) {
    Result<size_t> r = Errc::kWouldBlock;
    if (mode_ == fdbased::PacketDispatchMode::kRecvMMsg) {
      r = sys::RecvMmsg(fd, msgs_);
      if (r) {
        for (size_t i = 0; i < *r; ++i)
          Frame(buffers_[i].data(), msgs_[i].msg_len, c);
      }
    } else {
      r = sys::Read(fd, buffers_[0]);
      if (r) {
        if (*r == 0) return false;
        Frame(buffers_[0].data(), *r, c);
      }
    }
    if (r) return true;
    if (r.error().code != Errc::kWouldBlock) return false;
    Result<sys::PollResult> p = sys::PollTwo(fd, stop_fd_.get(), -1);
    return p && !p->stop && (p->fd_readable || !(p->fd_error || p->fd_hangup));
  }

  void Publish(const Counts& c) {
    packets_.store(c.packets, std::memory_order_relaxed);
    bytes_.store(c.bytes, std::memory_order_relaxed);
    payload_.store(c.payload, std::memory_order_relaxed);
    reads_.store(c.reads, std::memory_order_relaxed);
  }

  void Run(int fd) {
    Counts c;
    while (!stop_.load(std::memory_order_acquire)) {
      if (!Receive(fd, &c)) break;
      Publish(c);
    }
    Publish(c);
  }

  const fdbased::PacketDispatchMode mode_;
  const size_t vnet_bytes_;
  const size_t link_bytes_;
  const bool udp_payloads_;
  UniqueFd stop_fd_;
  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint64_t> packets_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> payload_{0};
  std::atomic<uint64_t> reads_{0};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Receiver> MakeLimitReceiver(fdbased::PacketDispatchMode mode,
                                            const RxFormat& format) {
  return std::make_unique<LimitReceiver>(mode, format);
}

}  // namespace fdlink::tool
