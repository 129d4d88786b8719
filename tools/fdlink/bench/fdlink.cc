// The fdlink side of the bench: the fd-based endpoint delivering into a
// counting dispatcher, and its detach latency under a flood.
#include <chrono>
#include <thread>

#include "bench/receiver.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/endpoint.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<fdbased::Endpoint>> MakeEndpoint(
    int fd, fdbased::PacketDispatchMode mode, uint32_t processors) {
  fdbased::Options o;
  o.fds = {fd};
  o.mtu = 1500;
  o.dispatch_mode = mode;
  o.processors_per_channel = processors;
  return fdbased::Endpoint::Create(std::move(o));
}

class FdlinkReceiver final : public Receiver {
 public:
  FdlinkReceiver(fdbased::PacketDispatchMode mode, uint32_t processors)
      : mode_(mode), processors_(processors) {}
  ~FdlinkReceiver() override { Stop(); }

  Result<void> Start(int fd) override {
    Result<std::unique_ptr<fdbased::Endpoint>> ep =
        MakeEndpoint(fd, mode_, processors_);
    if (!ep) return ep.error();
    ep_ = std::move(*ep);
    ep_->Attach(&dispatcher_);
    return Ok();
  }

  void Stop() override {
    if (!ep_) return;
    ep_->Attach(nullptr);
    ep_.reset();
  }

  uint64_t Packets() const override { return dispatcher_.packets(); }
  uint64_t Bytes() const override { return dispatcher_.bytes(); }

 private:
  const fdbased::PacketDispatchMode mode_;
  const uint32_t processors_;
  CountingDispatcher dispatcher_;
  std::unique_ptr<fdbased::Endpoint> ep_;  // After dispatcher_: freed first.
};

// StampingDispatcher remembers when it last received a packet (steady clock
// nanoseconds), for the detach samples only.
class StampingDispatcher final : public NetworkDispatcher {
 public:
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override {
    (void)protocol;
    pkt.reset();
    packets_.fetch_add(1, std::memory_order_relaxed);
    last_ns_.store(Clock::now().time_since_epoch().count(),
                   std::memory_order_relaxed);
  }
  uint64_t packets() const { return packets_.load(std::memory_order_relaxed); }
  int64_t last_ns() const { return last_ns_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> packets_{0};
  std::atomic<int64_t> last_ns_{0};
};

}  // namespace

void CountingDispatcher::DeliverNetworkPacket(NetworkProtocolNumber protocol,
                                              PacketBufferPtr pkt) {
  (void)protocol;
  packets_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(pkt->Size(), std::memory_order_relaxed);
}

std::unique_ptr<Receiver> MakeFdlinkReceiver(fdbased::PacketDispatchMode mode,
                                             uint32_t processors) {
  return std::make_unique<FdlinkReceiver>(mode, processors);
}

Result<DetachStats> MeasureDetach(int fd, fdbased::PacketDispatchMode mode,
                                  uint32_t processors, int cycles) {
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      MakeEndpoint(fd, mode, processors);
  if (!ep) return ep.error();
  StampingDispatcher d;
  DetachStats stats;
  for (int i = 0; i < cycles; ++i) {
    (*ep)->Attach(&d);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const Clock::time_point t0 = Clock::now();
    (*ep)->Attach(nullptr);
    stats.detach.Add(Clock::now() - t0);
    const int64_t late = d.last_ns() - t0.time_since_epoch().count();
    stats.last_delivery.Add(std::chrono::nanoseconds(late > 0 ? late : 0));
  }
  if (d.packets() == 0)
    return Error{Errc::kIoError, 0, "bench: no packet arrived while attached"};
  return stats;
}

}  // namespace fdlink::tool
