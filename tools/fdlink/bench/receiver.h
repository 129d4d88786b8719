// Receiver: what a benchmark run measures — something that reads a
// descriptor and counts the packets and bytes it got. Two kinds: the bare
// system-call loop ("limit") and the fd-based endpoint ("fdlink").
#ifndef FDLINK_TOOLS_FDLINK_BENCH_RECEIVER_H_
#define FDLINK_TOOLS_FDLINK_BENCH_RECEIVER_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/latency.h"
#include "fdlink/base/result.h"
#include "fdlink/link/fdbased/options.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::tool {

// Receiver reads one descriptor on threads of its own between Start and
// Stop. Threading: Start and Stop on one control thread; Packets and Bytes
// on any thread.
class Receiver {
 public:
  virtual ~Receiver() = default;
  // Start begins reading `fd` (borrowed until Stop returns; made
  // non-blocking).
  virtual Result<void> Start(int fd) = 0;
  // Stop ends reading and joins every thread; idempotent.
  virtual void Stop() = 0;
  // Packets and Bytes count what was received so far.
  virtual uint64_t Packets() const = 0;
  virtual uint64_t Bytes() const = 0;
};

// MakeLimitReceiver is one thread doing only the mode's cheapest read:
// read() into one 64 KiB buffer (kReadv) or recvmmsg() of kMaxMsgsPerRecv
// 64 KiB buffers (kRecvMMsg), and when nothing is ready the same ppoll on
// the fd and a stop eventfd that the endpoint uses.
std::unique_ptr<Receiver> MakeLimitReceiver(fdbased::PacketDispatchMode mode);

// MakeFdlinkReceiver is an fdbased::Endpoint on the fd (MTU 1500, no link
// header) attached to a CountingDispatcher.
std::unique_ptr<Receiver> MakeFdlinkReceiver(fdbased::PacketDispatchMode mode,
                                             uint32_t processors);

// CountingDispatcher counts delivered packets and bytes with relaxed
// atomics and releases each packet at once. Thread-safe.
class CountingDispatcher final : public NetworkDispatcher {
 public:
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override;
  uint64_t packets() const { return packets_.load(std::memory_order_relaxed); }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<uint64_t> packets_{0};
  std::atomic<uint64_t> bytes_{0};
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
