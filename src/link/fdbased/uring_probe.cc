#include "link/fdbased/uring_probe.h"

#include <algorithm>
#include <atomic>

namespace fdlink::fdbased {
namespace {

std::atomic<const sys::UringSupport*> g_test_support{nullptr};

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

const char* UringRxMissing(const sys::UringSupport& support,
                           sys::KernelVersion kernel, bool non_socket,
                           bool socket) {
  if (!support.ring)
    return "io_uring: the kernel refuses io_uring_setup (io_uring disabled, "
           "a seccomp filter, or a kernel older than 5.1)";
  if (!support.poll || !support.cancel)
    return "io_uring: the kernel has no IORING_OP_POLL_ADD or "
           "IORING_OP_ASYNC_CANCEL";
  if (non_socket && !support.read_multishot)
    return "io_uring: the kernel has no IORING_OP_READ_MULTISHOT (Linux 6.7) "
           "for a TUN/TAP fd";
  if (socket && (!support.recv || !kernel.AtLeast(6, 0)))
    return "io_uring: the kernel has no multishot recv (Linux 6.0) for a "
           "socket fd";
  return nullptr;
}

const sys::UringSupport& UringSupportInEffect() {
  const sys::UringSupport* t = g_test_support.load(std::memory_order_acquire);
  return t != nullptr ? *t : sys::ProbeUring();
}

void SetUringSupportForTesting(const sys::UringSupport* support) {
  g_test_support.store(support, std::memory_order_release);
}

void SetUpUringMode(LinkConfig& link, uint32_t mtu,
                    std::vector<std::unique_ptr<FdState>>& fds) {
  bool non_socket = false;
  bool socket = false;
  for (const auto& f : fds) (f->is_socket ? socket : non_socket) = true;
  const char* missing = UringRxMissing(
      UringSupportInEffect(), sys::RunningKernel(), non_socket, socket);
  // AF_PACKET frames need their checksum status (PACKET_AUXDATA: a frame
  // the host sent may carry a partial checksum), which multishot recv does
  // not deliver; their zero-copy mode is packet_mmap.
  if (missing == nullptr &&
      std::any_of(fds.begin(), fds.end(),
                  [](const auto& f) { return f->is_packet_socket; })) {
    missing =
        "io_uring: AF_PACKET sockets need PACKET_AUXDATA, which multishot "
        "recv does not carry; use packet_mmap";
  }
  if (missing == nullptr) {
    // With virtio-net headers the kernel may hand over 64 KiB
    // super-packets.
    const bool jumbo = link.vnet_header_size > 0;
    UringRxShape shape;
    shape.buffers =
        static_cast<unsigned>(link.rx.uring_buffers != 0 ? link.rx.uring_buffers
                              : jumbo                    ? kIoUringJumboBuffers
                                                         : kIoUringBuffers);
    shape.buffer_size =
        RoundUp(size_t{link.vnet_header_size} + link.link_header_size +
                    (jumbo ? 65535 : mtu),
                64);
    for (auto& f : fds) {
      shape.socket = f->is_socket;
      shape.socket_type = f->socket_type;
      Result<UringRxRef> rx = UringRx::Create(f->fd, shape);
      if (!rx) {
        missing =
            "io_uring: cannot set up the ring or its provided-buffer ring "
            "(Linux 5.19; or the locked-memory limit)";
        break;
      }
      f->rx_uring = std::move(*rx);
    }
  }
  if (missing == nullptr) return;
  for (auto& f : fds) f->rx_uring = UringRxRef();
  link.rx.mode = PacketDispatchMode::kReadv;
  link.mode_fallback = missing;
}

}  // namespace fdlink::fdbased
