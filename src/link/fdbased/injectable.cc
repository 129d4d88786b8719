#include "fdlink/link/fdbased/injectable.h"

#include "fdlink/sys/syscalls.h"
#include "link/fdbased/fd_probe.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/link_config.h"
#include "link/fdbased/tx_writer.h"

namespace fdlink::fdbased {
namespace {
// Depth of InjectInbound calls on this thread, per endpoint (a callback may
// inject into the same endpoint again).
thread_local const InjectableEndpoint* tls_injecting = nullptr;
thread_local int tls_depth = 0;
// kInjectableLink is how the writer sees an injectable endpoint: no link or
// virtio-net header, no GSO, no syscall cap, one fd.
constexpr LinkConfig kInjectableLink{};
}  // namespace

Result<std::unique_ptr<InjectableEndpoint>> InjectableEndpoint::Create(
    int fd, uint32_t mtu, uint32_t capabilities) {
  if (mtu == 0 || mtu > 65535)
    return Error{Errc::kInvalidArgument, 0,
                 "fdbased: injectable mtu must be in 1..65535"};
  Result<std::unique_ptr<FdState>> st =
      ProbeFd(fd, "fdbased: injectable fd is not open");
  if (!st) return st.error();
  return std::unique_ptr<InjectableEndpoint>(
      new InjectableEndpoint(std::move(*st), mtu, capabilities));
}

InjectableEndpoint::InjectableEndpoint(std::unique_ptr<FdState> fd,
                                       uint32_t mtu, uint32_t caps)
    : fd_(std::move(fd)), caps_(caps), mtu_(mtu) {}

InjectableEndpoint::~InjectableEndpoint() { Close(); }

bool InjectableEndpoint::InjectInbound(NetworkProtocolNumber protocol,
                                       PacketBufferPtr pkt) {
  NetworkDispatcher* d;
  {
    MutexLock l(&mu_);
    d = dispatcher_;
    if (d == nullptr) return false;
    ++inflight_;
  }
  const InjectableEndpoint* outer = tls_injecting;
  tls_injecting = this;
  ++tls_depth;
  d->DeliverNetworkPacket(protocol, std::move(pkt));
  --tls_depth;
  tls_injecting = outer;
  MutexLock l(&mu_);
  --inflight_;
  idle_.NotifyAll();
  return true;
}

void InjectableEndpoint::Attach(NetworkDispatcher* dispatcher) {
  MutexLock l(&mu_);
  if (dispatcher != nullptr) {
    if (!close_.Closed() && dispatcher_ == nullptr) dispatcher_ = dispatcher;
    return;
  }
  dispatcher_ = nullptr;
  // Wait for deliveries in flight, except this thread's own (it is inside
  // the dispatcher); deliveries parked in a detach of their own do not wait
  // for each other. The condition wait releases mu_.
  const int own = tls_injecting == this ? tls_depth : 0;
  parked_ += own;
  idle_.NotifyAll();
  while (inflight_ - parked_ > 0) idle_.Wait(&mu_);
  parked_ -= own;
}

bool InjectableEndpoint::IsAttached() const {
  MutexLock l(&mu_);
  return dispatcher_ != nullptr;
}

Result<size_t> InjectableEndpoint::InjectOutbound(
    std::span<const uint8_t> bytes) {
  const iovec iov = sys::MakeIovec(bytes);
  Result<size_t> n = WriteFrame(*fd_, std::span(&iov, 1));
  if (n) {
    fd_->tx_packets.fetch_add(1, std::memory_order_relaxed);
    fd_->tx_bytes.fetch_add(*n, std::memory_order_relaxed);
  }
  return n;
}

Result<size_t> InjectableEndpoint::WritePackets(
    std::span<const PacketBufferPtr> pkts) {
  FdState* fds[] = {fd_.get()};
  return WritePacketsTo(kInjectableLink,
                        TxLive{.max_packet_size = MTU(), .closed = &tx_closed_},
                        fds, pkts);
}

void InjectableEndpoint::Close() {
  tx_closed_.store(true, std::memory_order_release);
  Attach(nullptr);
  std::function<void()> action;
  {
    MutexLock l(&mu_);
    action = close_.MarkClosed();
  }
  if (action) action();
}

void InjectableEndpoint::SetOnCloseAction(std::function<void()> action) {
  MutexLock l(&mu_);
  close_.SetAction(std::move(action));
}

}  // namespace fdlink::fdbased
