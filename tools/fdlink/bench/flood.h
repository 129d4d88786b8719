// Flood: the bench's sender. One thread sends a fixed ring of messages with
// sendmmsg as fast as the descriptor takes them; when it would block it
// waits for room, so a flow-controlled peer (AF_UNIX) loses nothing.
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
// unconnected socket, its destination (name_len 0: none).
struct FloodMessage {
  std::vector<uint8_t> bytes;
  sockaddr_storage name{};
  socklen_t name_len = 0;
};

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
  // sent is the number of messages the kernel accepted so far.
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  // CpuSeconds is the sender thread's CPU time (user + system) so far, or
  // in all once stopped.
  double CpuSeconds() const;

 private:
  void Run();

  const int fd_;
  std::optional<int> cpu_;  // Set by Start before the thread exists.
  std::vector<FloodMessage> messages_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;  // The ring, twice over so any batch is flat.
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint64_t> sent_{0};
  std::atomic<double> final_cpu_{0};
  clockid_t cpu_clock_{};
  std::thread thread_;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_FLOOD_H_
