// The io_uring dispatch mode's reader: frames of the fd's UringRx (a
// multishot read or recv into a provided-buffer ring), lent to the stack
// where the kernel wrote them. It waits on the ring's descriptor, which
// polls readable while completions are ready.
#include "link/fdbased/packet_reader.h"
#include "link/fdbased/uring_rx.h"

namespace fdlink::fdbased {
namespace {

// kUringBatch is the most frames one Read takes.
constexpr size_t kUringBatch = 64;

class UringReader final : public PacketReader {
 public:
  explicit UringReader(FdState& fd) : fd_(fd), rx_(fd.rx_uring) {}
  // The loop has ended (the attachment is being destroyed): no kernel
  // write into the ring's buffers stays in flight.
  ~UringReader() override { rx_->Quiesce(fd_); }

  Result<size_t> Read(std::span<RxFrame> out) override {
    return rx_->Read(out, fd_);
  }
  size_t MaxBatch() const override { return kUringBatch; }
  Result<sys::PollResult> Wait(int /*fd*/, int stop_fd) override {
    return rx_->Wait(stop_fd);
  }

 private:
  FdState& fd_;
  const UringRxRef rx_;
};

}  // namespace

std::unique_ptr<PacketReader> MakeUringReader(FdState& fd) {
  return std::make_unique<UringReader>(fd);
}

}  // namespace fdlink::fdbased
