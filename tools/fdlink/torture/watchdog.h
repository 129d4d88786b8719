// Watchdog: fails a torture run that hangs. Each worker thread publishes, in
// a slot of atomics, its name, the call it is in and when that call started.
// A scanner thread looks every 100 ms; if a call has run longer than the
// limit it prints every slot to stderr, runs the hang hook and exits the
// process with status 1 (a runtime failure).
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_WATCHDOG_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_WATCHDOG_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "fdlink/base/mutex.h"

namespace fdlink::tool {

// WatchdogSlot is one thread's published state. `name` and `op` point to
// string literals; op == nullptr means "between calls".
struct WatchdogSlot {
  std::atomic<bool> used{false};
  std::atomic<const char*> name{nullptr};
  std::atomic<int> index{0};
  std::atomic<const char*> op{nullptr};
  std::atomic<int64_t> since_ns{0};  // steady_clock, when op started.
};

// Watchdog owns the slots and the scanner thread.
//
// Threading: Acquire/Release and the slots are used from any thread; Start
// and Stop from the thread that owns the Watchdog.
class Watchdog {
 public:
  // `on_hang` runs on the scanner thread after the slots are printed and
  // just before _exit(1); it may print a final result line.
  Watchdog(std::chrono::milliseconds limit, std::function<void()> on_hang);
  ~Watchdog();  // Stops the scanner.
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void Start() EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);

  // Acquire gives the calling thread a slot named `name`#`index`; nullptr
  // when all are taken (the thread then goes unwatched). Release frees it.
  WatchdogSlot* Acquire(const char* name, int index);
  void Release(WatchdogSlot* slot);

  // Now is the clock the slots use, in nanoseconds.
  static int64_t Now();

 private:
  void Run() EXCLUDES(mu_);
  // Scan returns the slot whose call is over the limit, or nullptr.
  const WatchdogSlot* Scan(int64_t now) const;
  void Fail(const WatchdogSlot& hung, int64_t now) const;

  static constexpr size_t kSlots = 256;
  const std::chrono::milliseconds limit_;
  const std::function<void()> on_hang_;
  std::array<WatchdogSlot, kSlots> slots_;
  Mutex mu_{"torture.Watchdog.mu"};
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// OpScope publishes `op` in `slot` for its lifetime (slot may be null).
class OpScope {
 public:
  OpScope(WatchdogSlot* slot, const char* op) : slot_(slot) {
    if (slot_ == nullptr) return;
    slot_->since_ns.store(Watchdog::Now(), std::memory_order_relaxed);
    slot_->op.store(op, std::memory_order_release);
  }
  ~OpScope() {
    if (slot_ != nullptr) slot_->op.store(nullptr, std::memory_order_release);
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  WatchdogSlot* const slot_;
};

// ScopedSlot acquires a slot for a scope (a whole thread, or one callback).
class ScopedSlot {
 public:
  ScopedSlot(Watchdog& w, const char* name, int index)
      : w_(w), slot_(w.Acquire(name, index)) {}
  ~ScopedSlot() { w_.Release(slot_); }
  ScopedSlot(const ScopedSlot&) = delete;
  ScopedSlot& operator=(const ScopedSlot&) = delete;
  WatchdogSlot* get() const { return slot_; }

 private:
  Watchdog& w_;
  WatchdogSlot* const slot_;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_WATCHDOG_H_
