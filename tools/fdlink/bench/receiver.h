// Receiver: what a benchmark run measures — something that reads a
// descriptor and counts the packets and bytes it got. Two kinds: the bare
// system-call loop ("limit") and the fd-based endpoint ("fdlink").
#ifndef FDLINK_TOOLS_FDLINK_BENCH_RECEIVER_H_
#define FDLINK_TOOLS_FDLINK_BENCH_RECEIVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/latency.h"
#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/options.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::tool {

// Receiver reads one descriptor on threads of its own between Start and
// Stop. Threading: Start, Stop and Reads on one control thread; Packets,
// Bytes and PayloadBytes on any thread.
class Receiver {
 public:
  virtual ~Receiver() = default;
  // Start begins reading `fd` (borrowed until Stop returns; made
  // non-blocking).
  virtual Result<void> Start(int fd) = 0;
  // Stop ends reading and joins every thread; idempotent.
  virtual void Stop() = 0;
  // Packets counts the wire packets received so far: a super-packet counts
  // as the segments it carries. Bytes counts IP bytes (no virtio-net
  // header, a super-packet's headers once), PayloadBytes the UDP payload.
  virtual uint64_t Packets() const = 0;
  virtual uint64_t Bytes() const = 0;
  virtual uint64_t PayloadBytes() const = 0;
  // Reads counts the frames the receiver got from the kernel (one per
  // read() in readv mode, one per message in recvmmsg mode; a super-packet
  // is one frame).
  virtual uint64_t Reads() const = 0;
  // Delivered counts the packets handed to the dispatcher (GRO merges
  // several frames into one); Reads when there is no dispatcher.
  virtual uint64_t Delivered() const { return Reads(); }
};

// RxFormat is what the receiver must know of the frames on its fd.
struct RxFormat {
  // vnet_header: each frame starts with a virtio-net header; offloads are
  // the TUN_F_* bits the kernel accepted on the fd.
  bool vnet_header = false;
  uint32_t offloads = 0;
  // udp_payloads: the fd is a UDP socket, so each frame is one datagram's
  // payload (the limit then counts kBenchHeaders more IP bytes per frame).
  bool udp_payloads = false;
  // For the fdlink receiver only: gro sets Options.offload.tcp_gro and
  // udp_gro; max_msgs_per_recv > 0 replaces the recvmmsg batch.
  bool gro = true;
  size_t max_msgs_per_recv = 0;
  // link_header: bytes of Ethernet header before each IP packet (the veth
  // link: 14; the endpoint then filters on `address`).
  size_t link_header = 0;
  MacAddress address;
};

// DeliveryKind says what the fdlink receiver's dispatcher takes, or (in the
// transmit case) what the writer hands to WritePackets.
enum class DeliveryKind {
  kWire,      // No offload on the fd: wire packets.
  kSuper,     // TakesSuperPackets(): super-packets whole.
  kSplit,     // Wire packets only: the endpoint splits super-packets first.
  kGso,       // Transmit: 64 KB super-packets with GSO metadata.
  kCoalesce,  // Transmit: runs of one flow's wire packets, to coalesce.
  // Wire packets through a sniffer::Endpoint around the endpoint, with no
  // capture on: what the capture wrapper costs while capture is off.
  kSniffed,
};

// DeliveryKindName is the JSON name ("wire", "super", "split", "gso",
// "coalesce", "sniffed").
std::string_view DeliveryKindName(DeliveryKind k);

// MakeLimitReceiver is one thread doing only the mode's cheapest read:
// read() into one 64 KiB buffer (kReadv) or recvmmsg() of kMaxMsgsPerRecv
// 64 KiB buffers (kRecvMMsg), and when nothing is ready the same ppoll on
// the fd and a stop eventfd that the endpoint uses.
// With a virtio-net header it also reads the header's GSO fields, to count
// the segments of each super-packet.
std::unique_ptr<Receiver> MakeLimitReceiver(fdbased::PacketDispatchMode mode,
                                            const RxFormat& format = {});

// MakeFdlinkReceiver is an fdbased::Endpoint on the fd (MTU 1500, no link
// header; with format.vnet_header, the virtio-net header and the kernel's
// offloads in effect) attached to a CountingDispatcher that takes
// super-packets when `delivery` is kSuper (through a capture-off sniffer
// when it is kSniffed).
std::unique_ptr<Receiver> MakeFdlinkReceiver(
    fdbased::PacketDispatchMode mode, uint32_t processors,
    const RxFormat& format = {}, DeliveryKind delivery = DeliveryKind::kWire);

// CountingDispatcher counts delivered packets, their wire segments, IP and
// payload bytes with relaxed atomics (once per batch) and releases each
// packet at once. Thread-safe.
class CountingDispatcher final : public NetworkDispatcher {
 public:
  // CountingDispatcher answers TakesSuperPackets() with `super_packets`.
  explicit CountingDispatcher(bool super_packets = false)
      : super_packets_(super_packets) {}
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override;
  void DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) override;
  bool TakesSuperPackets() const override { return super_packets_; }
  // delivered counts packets handed over (a super-packet is one); segments
  // counts the wire packets they stand for.
  uint64_t delivered() const {
    return delivered_.load(std::memory_order_relaxed);
  }
  uint64_t segments() const {
    return segments_.load(std::memory_order_relaxed);
  }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t payload_bytes() const {
    return payload_.load(std::memory_order_relaxed);
  }

 private:
  // Tally is one batch's sums.
  struct Tally {
    uint64_t delivered = 0, segments = 0, bytes = 0, payload = 0;
    void Count(const PacketBuffer& pkt);
  };
  void Add(const Tally& t);

  const bool super_packets_;
  alignas(64) std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> segments_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> payload_{0};
};

// DetachStats are the detach samples: how long Attach(nullptr) took, and
// how long after it was called the last packet still reached the
// dispatcher (0 when none did: a delivery already under way may finish).
struct DetachStats {
  LatencyStats detach;
  LatencyStats last_delivery;
};

// MeasureDetach creates an endpoint on `fd` (which a running flood keeps
// full) and `cycles` times attaches a dispatcher, lets it receive for a
// millisecond and times Attach(nullptr).
Result<DetachStats> MeasureDetach(int fd, fdbased::PacketDispatchMode mode,
                                  uint32_t processors, int cycles);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_RECEIVER_H_
