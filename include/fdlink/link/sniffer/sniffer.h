// Sniffer: a link endpoint that wraps another one and copies every packet in
// and out to a pcap capture, which tcpdump and tshark read.
#ifndef FDLINK_LINK_SNIFFER_SNIFFER_H_
#define FDLINK_LINK_SNIFFER_SNIFFER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "fdlink/base/mutex.h"
#include "fdlink/base/result.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::sniffer {

// CaptureOptions say what a capture keeps.
struct CaptureOptions {
  // SnapLength is the most bytes kept of each packet (1..262144); the
  // record still says the packet's full length.
  uint32_t snap_length = 262144;
  // Filter is a capture filter in tcpdump syntax ("udp port 7", "icmp6");
  // empty keeps every packet. It is compiled once, when the capture starts.
  std::string filter;
};

// CaptureStats count what a capture saw. Seen counts packets offered while
// the capture was on, Written those in the file, Filtered those the filter
// rejected, and WriteErrors records the file refused (e.g. a full disk).
struct CaptureStats {
  uint64_t seen = 0;
  uint64_t written = 0;
  uint64_t filtered = 0;
  uint64_t write_errors = 0;
};

class Capture;

// Endpoint forwards every LinkEndpoint call to `lower` and records each
// packet it passes (inbound as delivered to the attached dispatcher,
// outbound as given to WritePackets, link header included) while a capture
// is on. The pcap link type follows the lower endpoint: Ethernet
// (LINKTYPE_ETHERNET) when its ARPHardwareType() is kEther, raw IP
// (LINKTYPE_RAW) otherwise. Super-packets are recorded as they pass, whole.
//
// Ownership: `lower` is borrowed and must outlive this endpoint; the
// dispatcher given to Attach is borrowed as LinkEndpoint says.
// Threading: every method is thread-safe. With no capture on, a packet
// costs one atomic load; with one on, records are written under a leaf lock
// that nothing else is taken under and no one waits while holding.
// Attach calls run in some order when concurrent; Attach(nullptr) returns
// only when no thread is in, or can again enter, the old dispatcher (the
// lower endpoint's guarantee, which this one keeps: it holds no lock while
// the lower endpoint waits).
class Endpoint final : public LinkEndpoint, private NetworkDispatcher {
 public:
  // Endpoint wraps `lower` (not null) with capture off.
  explicit Endpoint(LinkEndpoint* lower);
  ~Endpoint() override;
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // StartCapture begins writing to a new pcap file at `path` (created or
  // truncated), replacing any capture in progress (which is closed first).
  // Errors: Errc::kInvalidArgument for a bad snap length or a filter that
  // does not compile, or the file's open error; then `reason`, when not
  // null, gets libpcap's words (e.g. "syntax error"), and the previous
  // capture is kept.
  [[nodiscard]] Result<void> StartCapture(const std::string& path,
                                          const CaptureOptions& opts = {},
                                          std::string* reason = nullptr);
  // StartCaptureFd is StartCapture onto an open descriptor (a pipe to
  // `tcpdump -r -`, a file): `fd` is borrowed, duplicated for the capture,
  // and may be closed by the caller afterwards.
  [[nodiscard]] Result<void> StartCaptureFd(int fd,
                                            const CaptureOptions& opts = {},
                                            std::string* reason = nullptr);
  // StopCapture flushes and closes the capture in progress (if any) and
  // returns its stats; packets passing concurrently are either recorded
  // before it returns or not at all.
  CaptureStats StopCapture();
  // Flush pushes buffered records to the file so a reader sees them.
  void Flush();
  // Capturing reports whether a capture is on.
  bool Capturing() const { return on_.load(std::memory_order_acquire); }
  // Stats are the running capture's counts (zeros when none is on).
  CaptureStats Stats() const;

  // PrepareAttach makes `upper` the dispatcher packets go on to and returns
  // the dispatcher to attach to the lower endpoint with its own call (for
  // callers that need that endpoint's richer attach, such as
  // fdbased::Endpoint::TryAttach). Call it only while the lower endpoint is
  // detached from this one; detach with Attach(nullptr) on either.
  NetworkDispatcher* PrepareAttach(NetworkDispatcher* upper);

  // LinkEndpoint, forwarded to the lower endpoint.
  void Attach(NetworkDispatcher* dispatcher) override;
  bool IsAttached() const override { return lower_->IsAttached(); }
  void Wait() override { lower_->Wait(); }
  uint32_t MTU() const override { return lower_->MTU(); }
  void SetMTU(uint32_t mtu) override { lower_->SetMTU(mtu); }
  uint32_t Capabilities() const override { return lower_->Capabilities(); }
  uint16_t MaxHeaderLength() const override {
    return lower_->MaxHeaderLength();
  }
  MacAddress LinkAddress() const override { return lower_->LinkAddress(); }
  void SetLinkAddress(MacAddress addr) override {
    lower_->SetLinkAddress(addr);
  }
  ArpHardware ARPHardwareType() const override {
    return lower_->ARPHardwareType();
  }
  Result<void> AddHeader(PacketBuffer& pkt) const override {
    return lower_->AddHeader(pkt);
  }
  bool ParseHeader(PacketBuffer& pkt) const override {
    return lower_->ParseHeader(pkt);
  }
  // WritePackets records each packet the lower endpoint accepted, then
  // returns its result.
  Result<size_t> WritePackets(std::span<const PacketBufferPtr> pkts) override;
  // Close stops the capture (flushing it) and closes the lower endpoint.
  void Close() override;
  void SetOnCloseAction(std::function<void()> action) override {
    lower_->SetOnCloseAction(std::move(action));
  }

 private:
  // NetworkDispatcher, as the lower endpoint's dispatcher.
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override;
  void DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) override;
  bool TakesSuperPackets() const override;

  Result<void> Start(std::unique_ptr<Capture> c) EXCLUDES(mu_);
  // Record writes pkts (none null) to the capture under one lock hold.
  void Record(std::span<const PacketBufferPtr> pkts) EXCLUDES(mu_);

  LinkEndpoint* const lower_;
  // Upper is the dispatcher packets go on to; the lower endpoint's threads
  // read it only while attached to this endpoint.
  std::atomic<NetworkDispatcher*> upper_{nullptr};
  // On mirrors capture_ != nullptr: the one load on the packet path.
  std::atomic<bool> on_{false};
  mutable Mutex mu_{"sniffer.Endpoint.mu"};
  std::unique_ptr<Capture> capture_ GUARDED_BY(mu_);
};

}  // namespace fdlink::sniffer

#endif  // FDLINK_LINK_SNIFFER_SNIFFER_H_
