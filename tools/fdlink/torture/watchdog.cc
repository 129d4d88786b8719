#include "torture/watchdog.h"

#include <unistd.h>

#include <cstdio>

#include "common/cli_status.h"
#include "fdlink/sys/self_sys.h"

namespace fdlink::tool {

Watchdog::Watchdog(std::chrono::milliseconds limit,
                   std::function<void()> on_hang)
    : limit_(limit), on_hang_(std::move(on_hang)) {}

Watchdog::~Watchdog() { Stop(); }

int64_t Watchdog::Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Watchdog::Start() {
  {
    MutexLock l(&mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void Watchdog::Stop() {
  {
    MutexLock l(&mu_);
    stop_ = true;
    cv_.NotifyAll();
  }
  if (thread_.joinable()) thread_.join();
}

WatchdogSlot* Watchdog::Acquire(const char* name, int index) {
  for (WatchdogSlot& s : slots_) {
    bool expected = false;
    if (!s.used.load(std::memory_order_relaxed) &&
        s.used.compare_exchange_strong(expected, true)) {
      s.op.store(nullptr);
      s.name.store(name);
      s.index.store(index);
      return &s;
    }
  }
  return nullptr;
}

void Watchdog::Release(WatchdogSlot* slot) {
  if (slot == nullptr) return;
  slot->op.store(nullptr);
  slot->used.store(false);
}

void Watchdog::Run() {
  MutexLock l(&mu_);
  while (!stop_) {
    cv_.WaitFor(&mu_, std::chrono::milliseconds(100));
    if (stop_) break;
    const int64_t now = Now();
    if (const WatchdogSlot* hung = Scan(now)) Fail(*hung, now);
  }
}

const WatchdogSlot* Watchdog::Scan(int64_t now) const {
  const int64_t limit_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(limit_).count();
  for (const WatchdogSlot& s : slots_) {
    if (!s.used.load() || s.op.load(std::memory_order_acquire) == nullptr)
      continue;
    if (now - s.since_ns.load(std::memory_order_relaxed) > limit_ns) return &s;
  }
  return nullptr;
}

namespace {

// Str guards against a slot caught between its fields' updates.
const char* Str(const char* s) { return s != nullptr ? s : "?"; }

}  // namespace

void Watchdog::Fail(const WatchdogSlot& hung, int64_t now) const {
  auto ms = [now](const WatchdogSlot& s) {
    return static_cast<long long>((now - s.since_ns.load()) / 1000000);
  };
  std::fprintf(stderr,
               "fdlink torture: HANG: %s#%d has been in %s for %lld ms "
               "(limit %lld ms). Every thread:\n",
               Str(hung.name.load()), hung.index.load(), Str(hung.op.load()),
               ms(hung), static_cast<long long>(limit_.count()));
  for (const WatchdogSlot& s : slots_) {
    if (!s.used.load()) continue;
    const char* op = s.op.load();
    if (op == nullptr) {
      std::fprintf(stderr, "  %-22s#%-2d between calls\n", Str(s.name.load()),
                   s.index.load());
    } else {
      std::fprintf(stderr, "  %-22s#%-2d in %s for %lld ms\n",
                   Str(s.name.load()), s.index.load(), op, ms(s));
    }
  }
  std::fflush(stderr);
  if (on_hang_) on_hang_();
  std::fflush(stdout);
  sys::ExitNow(kExitFailure);
}

}  // namespace fdlink::tool
