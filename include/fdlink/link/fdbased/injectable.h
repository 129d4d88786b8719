// InjectableEndpoint: an fd-based endpoint without receive loops. Inbound
// packets come from the caller (InjectInbound); outbound ones go to the fd.
#ifndef FDLINK_LINK_FDBASED_INJECTABLE_H_
#define FDLINK_LINK_FDBASED_INJECTABLE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "fdlink/base/close_once.h"
#include "fdlink/base/mutex.h"
#include "fdlink/base/result.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::fdbased {

struct FdState;

// InjectableEndpoint writes to one fd and delivers only what is injected,
// like gVisor's fdbased.InjectableEndpoint (used where something else reads
// the fd). It has no link header.
//
// Lifecycle: Attach(d) stores d; Attach(nullptr) returns only when no
// InjectInbound call is inside the old dispatcher (a call from inside the
// dispatcher itself is not waited for). Thread-safe.
class InjectableEndpoint final : public LinkEndpoint {
 public:
  // Create validates the fd (borrowed: it must outlive the endpoint) and
  // makes it non-blocking. `capabilities` are reported as given.
  static Result<std::unique_ptr<InjectableEndpoint>> Create(
      int fd, uint32_t mtu, uint32_t capabilities);
  ~InjectableEndpoint() override;

  // InjectInbound delivers pkt to the attached dispatcher on the calling
  // thread; without one, pkt is dropped. Returns whether it was delivered.
  bool InjectInbound(NetworkProtocolNumber protocol, PacketBufferPtr pkt)
      EXCLUDES(mu_);
  // InjectOutbound writes `bytes` to the fd as one packet (a reader-less
  // pipe or stream peer is an EPIPE error, never a SIGPIPE).
  Result<size_t> InjectOutbound(std::span<const uint8_t> bytes);

  void Attach(NetworkDispatcher* dispatcher) override EXCLUDES(mu_);
  bool IsAttached() const override EXCLUDES(mu_);
  // Wait returns at once: there are no threads.
  void Wait() override {}
  uint32_t MTU() const override { return mtu_.load(std::memory_order_relaxed); }
  void SetMTU(uint32_t mtu) override {
    mtu_.store(mtu, std::memory_order_relaxed);
  }
  uint32_t Capabilities() const override { return caps_; }
  uint16_t MaxHeaderLength() const override { return 0; }
  MacAddress LinkAddress() const override { return MacAddress(); }
  void SetLinkAddress(MacAddress) override {}
  ArpHardware ARPHardwareType() const override { return ArpHardware::kNone; }
  Result<void> AddHeader(PacketBuffer&) const override { return Ok(); }
  bool ParseHeader(PacketBuffer&) const override { return true; }
  // WritePackets writes each packet with one write; see
  // LinkEndpoint::WritePackets for the result and what it refuses.
  Result<size_t> WritePackets(std::span<const PacketBufferPtr> pkts) override;
  void Close() override EXCLUDES(mu_);
  void SetOnCloseAction(std::function<void()> action) override EXCLUDES(mu_);

 private:
  InjectableEndpoint(std::unique_ptr<FdState> fd, uint32_t mtu, uint32_t caps);

  const std::unique_ptr<FdState> fd_;
  const uint32_t caps_;
  std::atomic<uint32_t> mtu_;
  // Set once Close() begins; WritePackets reads it without a lock.
  std::atomic<bool> tx_closed_{false};

  mutable Mutex mu_{"fdbased.InjectableEndpoint.mu"};
  CondVar idle_;
  NetworkDispatcher* dispatcher_ GUARDED_BY(mu_) = nullptr;
  int inflight_ GUARDED_BY(mu_) = 0;  // InjectInbound calls delivering.
  int parked_ GUARDED_BY(mu_) = 0;    // Of those, detaching from inside.
  CloseOnce close_ GUARDED_BY(mu_);   // Closed flag and on-close action.
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_LINK_FDBASED_INJECTABLE_H_
