// Flood: the bench's sender. One thread sends a fixed ring of messages with
// sendmmsg as fast as the descriptor takes them; when it would block it
// waits for room, so a flow-controlled peer (AF_UNIX) loses nothing. A
// message may be a UDP_SEGMENT buffer (gso_size set): the kernel sends it as
// several wire packets, and the flood counts those.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_FLOOD_H_
#define FDLINK_TOOLS_FDLINK_BENCH_FLOOD_H_

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "fdlink/base/result.h"

namespace fdlink::tool {

// kFloodFlows is how many distinct packets (UDP port pairs) a flood cycles
// through, so a flow hash spreads them over processors.
inline constexpr size_t kFloodFlows = 64;

// BenchPackets builds kFloodFlows IPv4/UDP packets of exactly `size` bytes
// (>= 28) from 198.18.0.0/24 to 198.19.0.0/24 with valid checksums.
std::vector<std::vector<uint8_t>> BenchPackets(size_t size);

// FloodMessage is one message of the ring: its bytes and, for an
// unconnected socket, its destination (name_len 0: none). gso_size > 0 (UDP
// sockets only) sends the bytes as a UDP_SEGMENT buffer: the kernel cuts
// them into datagrams of gso_size payload bytes each (the last may be
// shorter), at most kMaxFloodSegments of them.
struct FloodMessage {
  std::vector<uint8_t> bytes;
  sockaddr_storage name{};
  socklen_t name_len = 0;
  uint16_t gso_size = 0;
};

// kMaxFloodSegments is the most datagrams one UDP_SEGMENT message carries
// (the kernel's UDP_MAX_SEGMENTS is 64 before Linux 6.10, 128 after).
inline constexpr size_t kMaxFloodSegments = 64;

// FloodSegments is how many wire packets `m` stands for (1 without
// gso_size).
size_t FloodSegments(const FloodMessage& m);

// Flood sends `messages` round and round on a borrowed descriptor (which
// must outlive it and be non-blocking) from its own thread.
//
// Threading: Start, Stop, CpuSeconds and the destructor run on one control
// thread; sent() on any thread.
class Flood {
 public:
  Flood(int fd, std::vector<FloodMessage> messages);
  ~Flood();  // Stops.
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;

  // Start launches the sender thread (once); with `cpu` set the thread runs
  // only on that CPU.
  Result<void> Start(std::optional<int> cpu = std::nullopt);
  // Stop asks the thread to finish and joins it; idempotent.
  void Stop();
  // sent is the number of wire packets the kernel accepted so far (each
  // UDP_SEGMENT message counts as its segments).
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  // waits is how many times the sender found no room and waited for it
  // (a flow-controlled receiver falling behind).
  uint64_t waits() const { return waits_.load(std::memory_order_relaxed); }
  // CpuSeconds is the sender thread's CPU time (user + system) so far, or
  // in all once stopped.
  double CpuSeconds() const;

 private:
  void Run();

  const int fd_;
  std::optional<int> cpu_;  // Set by Start before the thread exists.
  // GsoControl is one message's UDP_SEGMENT control message.
  struct GsoControl {
    alignas(cmsghdr) uint8_t bytes[CMSG_SPACE(sizeof(uint16_t))];
  };

  std::vector<FloodMessage> messages_;
  std::vector<size_t> segments_;  // FloodSegments of each message.
  std::vector<GsoControl> controls_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;  // The ring, twice over so any batch is flat.
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> waits_{0};
  std::atomic<double> final_cpu_{0};
  clockid_t cpu_clock_{};
  std::thread thread_;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_FLOOD_H_
