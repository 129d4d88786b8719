// The packet_mmap dispatch mode: frames of an AF_PACKET socket's
// TPACKET_V2 receive ring, lent to the stack where they lie (no copy). A
// frame goes back to the kernel when its last packet reference goes. The
// loop waits on the ring's edge-triggered epoll fd: a plain poll of the
// socket stays readable while the stack holds the newest frame.
#include "fdlink/sys/packet_sys.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/packet_reader.h"
#include "link/fdbased/packet_ring.h"

namespace fdlink::fdbased {
namespace {

// kMmapBatch is the most frames one Read takes off the ring.
constexpr size_t kMmapBatch = 64;

class PacketMmapReader final : public PacketReader {
 public:
  explicit PacketMmapReader(FdState& fd) : fd_(fd), ring_(fd.rx_ring) {}

  Result<size_t> Read(std::span<RxFrame> out) override {
    size_t n = 0;
    while (n < out.size()) {
      bool losing = false;
      const PacketRing::Take t = ring_->TakeNext(&out[n], &losing);
      if (losing) CountKernelDrops();
      if (t == PacketRing::Take::kFrame) {
        ++n;
        continue;
      }
      if (t == PacketRing::Take::kHeld && n == 0) fd_.rx_ring_dry.Add(1);
      break;
    }
    if (n == 0) return Errc::kWouldBlock;
    return n;
  }
  size_t MaxBatch() const override { return kMmapBatch; }

  Result<sys::PollResult> Wait(int /*fd*/, int stop_fd) override {
    // The stop eventfd is in every wait (the lifecycle model's ring Wait).
    Result<sys::PollResult> p =
        sys::PollTwo(ring_->WaitFd(), stop_fd, -1);  // model: ring_wait.poll
    if (!p) return p;
    if (p->fd_readable) {
      // A socket error (ENETDOWN: the interface went down, or was down at
      // bind) ends the loop, as the failed recv(2) does in the other modes;
      // the ring itself would just stay empty.
      const PacketRing::Wakeups w = ring_->ConsumeWakeups();
      p->fd_error = w.socket_error;
      p->fd_hangup = w.socket_hangup;
      p->fd_readable = !w.socket_error;
    }
    return p;
  }

 private:
  // CountKernelDrops reads (and resets) the socket's drop count: frames the
  // kernel could not place because the ring was full.
  void CountKernelDrops() {
    Result<uint64_t> d = sys::TakePacketDrops(ring_->SocketFd());
    if (d) fd_.rx_kernel_drops.Add(*d);
  }

  FdState& fd_;
  const RingRef ring_;
};

}  // namespace

std::unique_ptr<PacketReader> MakePacketMmapReader(FdState& fd) {
  return std::make_unique<PacketMmapReader>(fd);
}

}  // namespace fdlink::fdbased
