#include "fdlink/link/sniffer/sniffer.h"

#include <utility>

#include "link/sniffer/capture.h"

namespace fdlink::sniffer {

Endpoint::Endpoint(LinkEndpoint* lower) : lower_(lower) {}

Endpoint::~Endpoint() {
  // The lower endpoint may outlive this one: make sure none of its threads
  // can still call into this object, then close the capture.
  if (upper_.load(std::memory_order_acquire) != nullptr)
    lower_->Attach(nullptr);
  (void)StopCapture();
}

Result<void> Endpoint::StartCapture(const std::string& path,
                                    const CaptureOptions& opts,
                                    std::string* reason) {
  if (path.empty()) {
    if (reason != nullptr) *reason = "empty path";
    return Error{Errc::kInvalidArgument, 0,
                 "sniffer: StartCapture needs a file path"};
  }
  Result<std::unique_ptr<Capture>> c = Capture::Open(
      path, -1, ARPHardwareType() != ArpHardware::kEther, opts, reason);
  if (!c) return c.error();
  return Start(std::move(*c));
}

Result<void> Endpoint::StartCaptureFd(int fd, const CaptureOptions& opts,
                                      std::string* reason) {
  Result<std::unique_ptr<Capture>> c =
      Capture::Open(std::string(), fd, ARPHardwareType() != ArpHardware::kEther,
                    opts, reason);
  if (!c) return c.error();
  return Start(std::move(*c));
}

Result<void> Endpoint::Start(std::unique_ptr<Capture> c) {
  std::unique_ptr<Capture> old;
  {
    MutexLock l(&mu_);
    old = std::exchange(capture_, std::move(c));
    on_.store(true, std::memory_order_release);
  }
  return {};  // `old` is flushed and closed here, outside the lock.
}

CaptureStats Endpoint::StopCapture() {
  std::unique_ptr<Capture> old;
  {
    MutexLock l(&mu_);
    on_.store(false, std::memory_order_release);
    old = std::move(capture_);
  }
  return old ? old->stats() : CaptureStats{};
}

void Endpoint::Flush() {
  MutexLock l(&mu_);
  if (capture_) capture_->Flush();
}

CaptureStats Endpoint::Stats() const {
  MutexLock l(&mu_);
  return capture_ ? capture_->stats() : CaptureStats{};
}

void Endpoint::Record(std::span<const PacketBufferPtr> pkts) {
  MutexLock l(&mu_);
  if (!capture_) return;
  for (const PacketBufferPtr& p : pkts) capture_->Write(*p);
}

NetworkDispatcher* Endpoint::PrepareAttach(NetworkDispatcher* upper) {
  upper_.store(upper, std::memory_order_release);
  return this;
}

void Endpoint::Attach(NetworkDispatcher* dispatcher) {
  // No lock is held across the lower endpoint's Attach, which waits for its
  // threads: those threads never take one of ours except the capture lock,
  // which no one holds while waiting.
  lower_->Attach(nullptr);
  upper_.store(dispatcher, std::memory_order_release);
  if (dispatcher != nullptr) lower_->Attach(this);
}

Result<size_t> Endpoint::WritePackets(std::span<const PacketBufferPtr> pkts) {
  Result<size_t> n = lower_->WritePackets(pkts);
  if (n && *n > 0 && on_.load(std::memory_order_acquire)) {
    Record(pkts.first(*n));
  }
  return n;
}

void Endpoint::Close() {
  lower_->Close();
  upper_.store(nullptr, std::memory_order_release);
  (void)StopCapture();
}

void Endpoint::DeliverNetworkPacket(NetworkProtocolNumber protocol,
                                    PacketBufferPtr pkt) {
  if (on_.load(std::memory_order_acquire)) Record(std::span(&pkt, 1));
  NetworkDispatcher* up = upper_.load(std::memory_order_acquire);
  if (up != nullptr) up->DeliverNetworkPacket(protocol, std::move(pkt));
}

void Endpoint::DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) {
  if (on_.load(std::memory_order_acquire)) {
    Record(pkts);
  }
  NetworkDispatcher* up = upper_.load(std::memory_order_acquire);
  if (up != nullptr) up->DeliverNetworkPackets(pkts);
}

bool Endpoint::TakesSuperPackets() const {
  NetworkDispatcher* up = upper_.load(std::memory_order_acquire);
  return up != nullptr && up->TakesSuperPackets();
}

}  // namespace fdlink::sniffer
