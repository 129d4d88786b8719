// The fdlink side of the bench: the fd-based endpoint delivering into a
// counting dispatcher, and its detach latency under a flood.
#include <chrono>
#include <thread>

#include "bench/link.h"
#include "bench/receiver.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/link/sniffer/sniffer.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<fdbased::Endpoint>> MakeEndpoint(
    int fd, fdbased::PacketDispatchMode mode, uint32_t processors,
    const RxFormat& format = {}) {
  fdbased::Options o;
  o.fds = {fd};
  o.mtu = 1500;
  o.dispatch_mode = mode;
  o.processors_per_channel = processors;
  o.offload.vnet_header = format.vnet_header;
  o.offload.kernel_offloads = format.offloads;
  o.offload.tcp_gro = format.gro;
  o.offload.udp_gro = format.gro;
  if (format.max_msgs_per_recv > 0)
    o.max_msgs_per_recv = format.max_msgs_per_recv;
  if (format.link_header > 0) {
    o.ethernet_header = true;
    o.address = format.address;
  }
  return fdbased::Endpoint::Create(std::move(o));
}

class FdlinkReceiver final : public Receiver {
 public:
  FdlinkReceiver(fdbased::PacketDispatchMode mode, uint32_t processors,
                 const RxFormat& format, DeliveryKind delivery)
      : mode_(mode),
        processors_(processors),
        format_(format),
        sniffed_(delivery == DeliveryKind::kSniffed),
        dispatcher_(delivery == DeliveryKind::kSuper) {}
  ~FdlinkReceiver() override { Stop(); }

  Result<void> Start(int fd) override {
    Result<std::unique_ptr<fdbased::Endpoint>> ep =
        MakeEndpoint(fd, mode_, processors_, format_);
    if (!ep) return ep.error();
    ep_ = std::move(*ep);
    if (sniffed_) sniffer_ = std::make_unique<sniffer::Endpoint>(ep_.get());
    Top().Attach(&dispatcher_);
    return Ok();
  }

  void Stop() override {
    if (!ep_) return;
    Top().Attach(nullptr);
    reads_ = ep_->TotalCounters().rx_packets;
    sniffer_.reset();
    ep_.reset();
  }

  uint64_t Packets() const override { return dispatcher_.segments(); }
  uint64_t Bytes() const override { return dispatcher_.bytes(); }
  uint64_t PayloadBytes() const override { return dispatcher_.payload_bytes(); }
  uint64_t Delivered() const override { return dispatcher_.delivered(); }
  // Reads are the frames the endpoint read (its rx_packets counter).
  uint64_t Reads() const override {
    return ep_ ? ep_->TotalCounters().rx_packets : reads_;
  }

 private:
  // Top is what the dispatcher attaches through: the sniffer, if any.
  LinkEndpoint& Top() {
    return sniffer_ ? static_cast<LinkEndpoint&>(*sniffer_) : *ep_;
  }

  const fdbased::PacketDispatchMode mode_;
  const uint32_t processors_;
  const RxFormat format_;
  const bool sniffed_;
  uint64_t reads_ = 0;  // The endpoint's last count, once it is gone.
  CountingDispatcher dispatcher_;
  std::unique_ptr<fdbased::Endpoint> ep_;  // After dispatcher_: freed first.
  std::unique_ptr<sniffer::Endpoint> sniffer_;  // Wraps ep_: freed before.
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

std::string_view DeliveryKindName(DeliveryKind k) {
  switch (k) {
    case DeliveryKind::kWire:
      return "wire";
    case DeliveryKind::kSuper:
      return "super";
    case DeliveryKind::kSplit:
      return "split";
    case DeliveryKind::kGso:
      return "gso";
    case DeliveryKind::kCoalesce:
      return "coalesce";
    case DeliveryKind::kSniffed:
      return "sniffed";
  }
  return "?";
}

void CountingDispatcher::Tally::Count(const PacketBuffer& pkt) {
  const size_t size = pkt.Size();
  const GSOOptions& g = pkt.gso_options();
  const size_t headers = g.type != GSOType::kNone
                             ? size_t{g.l3_header_len} + g.l4_header_len
                             : kBenchHeaders;
  const size_t payload = size > headers ? size - headers : 0;
  ++delivered;
  segments += g.type != GSOType::kNone && g.mss > 0 && payload > 0
                  ? (payload + g.mss - 1) / g.mss
                  : 1;
  bytes += size;
  this->payload += payload;
}

void CountingDispatcher::Add(const Tally& t) {
  delivered_.fetch_add(t.delivered, std::memory_order_relaxed);
  segments_.fetch_add(t.segments, std::memory_order_relaxed);
  bytes_.fetch_add(t.bytes, std::memory_order_relaxed);
  payload_.fetch_add(t.payload, std::memory_order_relaxed);
}

void CountingDispatcher::DeliverNetworkPacket(NetworkProtocolNumber protocol,
                                              PacketBufferPtr pkt) {
  (void)protocol;
  Tally t;
  t.Count(*pkt);
  Add(t);
}

void CountingDispatcher::DeliverNetworkPackets(
    std::span<PacketBufferPtr> pkts) {
  Tally t;
  for (const PacketBufferPtr& p : pkts) t.Count(*p);
  Add(t);
}

std::unique_ptr<Receiver> MakeFdlinkReceiver(fdbased::PacketDispatchMode mode,
                                             uint32_t processors,
                                             const RxFormat& format,
                                             DeliveryKind delivery) {
  return std::make_unique<FdlinkReceiver>(mode, processors, format, delivery);
}

Result<DetachStats> MeasureDetach(int fd, fdbased::PacketDispatchMode mode,
                                  uint32_t processors, int cycles) {
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      MakeEndpoint(fd, mode, processors);
  if (!ep) return ep.error();
  StampingDispatcher d;
  DetachStats stats;
  for (int i = 0; i < cycles; ++i) {
    const uint64_t before = d.packets();
    (*ep)->Attach(&d);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // Detach while packets flow: on a slow (sanitized, loaded) build the
    // threads may need longer than 1 ms to deliver the first one.
    const Clock::time_point give_up = Clock::now() + std::chrono::seconds(1);
    while (d.packets() == before && Clock::now() < give_up)
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
