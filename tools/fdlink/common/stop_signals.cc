#include "common/stop_signals.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>

#include "fdlink/sys/signal_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

// The handler can only reach process-wide state; these are lock-free
// atomics, which a signal handler may use.
std::atomic<int> g_efd{-1};
std::atomic<int> g_signal{0};
std::atomic<bool> g_requested{false};
std::atomic<bool> g_installed{false};
struct sigaction g_old_int, g_old_term;  // Written only by Install/~.
// The installing thread's mask before Install, and the one WaitFor waits
// with (that mask, SIGINT and SIGTERM let through).
sigset_t g_old_mask, g_wait_mask;

// WakeWaiters makes the eventfd readable; async-signal-safe.
void WakeWaiters() {
  const int efd = g_efd.load();
  if (efd < 0) return;
  const uint64_t one = 1;
  // The one syscall left in the tool: a signal handler may call write(2)
  // but not sys::Write, which is not documented async-signal-safe.
  const ssize_t n = ::write(efd, &one, sizeof(one));
  (void)n;  // A full counter is still readable: nothing to do.
}

extern "C" void OnStopSignal(int sig) {
  const int saved_errno = errno;
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  g_requested.store(true);
  WakeWaiters();
  errno = saved_errno;
}

}  // namespace

Result<std::unique_ptr<StopSignals>> StopSignals::Install() {
  if (g_installed.exchange(true))
    return Error{Errc::kBusy, 0, "stop signals are already installed"};
  Result<UniqueFd> efd = sys::EventFd();
  if (!efd) {
    g_installed = false;
    return efd.error();
  }
  g_signal = 0;
  g_requested = false;
  g_efd = efd->get();
  // SA_RESETHAND: a second signal of the same kind takes the default
  // action (ends the process) in case the orderly stop hangs.
  constexpr int kFlags = SA_RESTART | SA_RESETHAND;
  (void)sys::SetSignalHandler(SIGINT, OnStopSignal, kFlags, &g_old_int);
  (void)sys::SetSignalHandler(SIGTERM, OnStopSignal, kFlags, &g_old_term);
  // Blocked here, and so in every thread started from now on (the
  // endpoint's, lwIP's, the relay's): the signals stay pending until
  // WaitFor lets them through, so the handler runs on the waiting thread,
  // never on a thread blocked in a call that would not see it (under
  // ThreadSanitizer a handler is deferred until its thread next enters
  // the runtime, which a thread parked in a futex may never do).
  (void)sys::BlockSignals({SIGINT, SIGTERM}, &g_old_mask);
  g_wait_mask = g_old_mask;
  sigdelset(&g_wait_mask, SIGINT);
  sigdelset(&g_wait_mask, SIGTERM);
  return std::unique_ptr<StopSignals>(new StopSignals(std::move(*efd)));
}

StopSignals::StopSignals(UniqueFd efd) : efd_(std::move(efd)) {}

StopSignals::~StopSignals() {
  sys::RestoreSignalHandler(SIGINT, g_old_int);
  sys::RestoreSignalHandler(SIGTERM, g_old_term);
  sys::RestoreSignalMask(g_old_mask);
  g_efd = -1;
  g_installed = false;
}

bool StopSignals::requested() const { return g_requested.load(); }

int StopSignals::signal_number() const { return g_signal.load(); }

void StopSignals::Request() {
  g_requested.store(true);
  WakeWaiters();
}

bool StopSignals::WaitFor(std::chrono::milliseconds timeout) const {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  while (!requested()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) break;
    (void)sys::WaitReadableWithMask(efd_.get(), static_cast<int>(left.count()),
                                    g_wait_mask);
  }
  // Once stopping, a second signal takes its default action at once (the
  // handler reset itself) instead of waiting for a WaitFor that may not
  // come while the cleanup runs.
  if (requested()) sys::UnblockSignals({SIGINT, SIGTERM});
  return requested();
}

}  // namespace fdlink::tool
