// Shared state of one torture run: the totals every thread adds to, the
// per-thread random generators, and the check that catches a callback
// running after the detach that should have ended it.
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_STATE_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_STATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/latency.h"
#include "fdlink/base/mutex.h"

namespace fdlink::tool {

class Watchdog;

// TortureCounters are the run's totals. Every thread adds to them (relaxed
// atomics), so the watchdog can print them even while a call hangs.
struct TortureCounters {
  std::atomic<uint64_t> cycles{0};           // Attach(d) + Attach(nullptr).
  std::atomic<uint64_t> close_detaches{0};   // Attach(d) ended by Close().
  std::atomic<uint64_t> packets{0};          // Delivered to dispatchers.
  std::atomic<uint64_t> generations{0};      // Endpoints built and destroyed.
  std::atomic<uint64_t> self_detaches{0};    // Attach(nullptr) in callbacks.
  std::atomic<uint64_t> late_deliveries{0};  // Callbacks after a detach.
  std::atomic<uint64_t> bad_packets{0};      // Not the IPv4 that was sent.
  std::atomic<uint64_t> closed_callbacks{0};
  std::atomic<uint64_t> closed_io_errors{0};  // Closed with kIoError.
  std::atomic<uint64_t> peer_closes{0};
  std::atomic<uint64_t> sent{0};              // Peer writes (packets).
  std::atomic<uint64_t> send_would_block{0};  // Peer writes hitting EAGAIN.
  std::atomic<uint64_t> send_errors{0};
  std::atomic<uint64_t> tx_written{0};  // Packets WritePackets sent.
  std::atomic<uint64_t> property_calls{0};
  std::atomic<int64_t> detach_max_ns{0};  // Running max, for a hang report.
};

// FastRng is a small xorshift64* generator. Not thread-safe.
class FastRng {
 public:
  explicit FastRng(uint64_t seed) : s_(seed != 0 ? seed : 0x9E3779B97F4A7C15) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1DULL;
  }
  // Below returns a value in [0, n); n must be > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // OneIn is true with probability 1/n.
  bool OneIn(uint64_t n) { return Below(n) == 0; }

 private:
  uint64_t s_;
};

// SetRunSeed seeds every ThreadRng created afterwards; ThreadRng is the
// calling thread's generator (endpoint threads get one on first use).
void SetRunSeed(uint64_t seed);
FastRng& ThreadRng();

// SyncLatency is a LatencyStats that many threads may add to.
class SyncLatency {
 public:
  void Add(std::chrono::nanoseconds d) EXCLUDES(mu_);
  // Take returns the samples collected so far (and keeps them).
  LatencyStats Take() const EXCLUDES(mu_);

 private:
  mutable Mutex mu_{"torture.SyncLatency.mu"};
  LatencyStats stats_ GUARDED_BY(mu_);
};

// CallbackWindow catches a callback that runs after the detach meant to end
// it. The detaching thread Close()s the window right after Attach(nullptr)
// returns; every callback Enter()s and Exit()s it. Both sides use
// sequentially consistent operations, so either the callback sees the
// window closed or the closer sees the callback inside.
//
// Threading: Enter/Exit on any number of threads; Open/Close on one.
class CallbackWindow {
 public:
  explicit CallbackWindow(bool open) : closed_(!open) {}
  // Open allows callbacks again (before the next Attach(d)).
  void Open() { closed_.store(false); }
  // Close returns false if a callback was still inside (or raced in).
  bool Close() {
    closed_.store(true);
    const uint64_t out = exited_.load();
    const uint64_t in = entered_.load();
    return in == out;
  }
  // Enter returns false if the window is closed: the callback is late.
  bool Enter() {
    entered_.fetch_add(1);
    return !closed_.load();
  }
  void Exit() { exited_.fetch_add(1); }
  // Completed is the number of callbacks that have exited.
  uint64_t Completed() const { return exited_.load(); }

 private:
  std::atomic<bool> closed_;
  std::atomic<uint64_t> entered_{0};
  std::atomic<uint64_t> exited_{0};
};

// TortureContext is what callbacks need from the run. It outlives every
// endpoint of the run.
struct TortureContext {
  TortureCounters* counters = nullptr;
  Watchdog* watchdog = nullptr;
  SyncLatency* callback_detach = nullptr;  // Attach(nullptr) in callbacks.
};

// ReportLate counts a late callback and describes the first few on stderr.
void ReportLate(TortureContext& ctx, const char* what, uint64_t id);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_STATE_H_
