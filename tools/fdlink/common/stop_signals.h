// StopSignals: SIGINT and SIGTERM become a stop request that long-running
// commands (`fdlink serve`, the TUN demo) poll or wait for, so they stop
// their loops and return through their destructors (a private network
// namespace disappears when its last handle closes).
#ifndef FDLINK_TOOLS_FDLINK_COMMON_STOP_SIGNALS_H_
#define FDLINK_TOOLS_FDLINK_COMMON_STOP_SIGNALS_H_

#include <chrono>
#include <memory>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {

// StopSignals owns the process's SIGINT/SIGTERM handlers while it lives;
// at most one may exist at a time. The first of those signals requests a
// stop and restores the default action for that signal, so a second Ctrl-C
// ends a process whose cleanup hangs. Install blocks both signals in the
// calling thread, and so in every thread it starts afterwards; WaitFor
// lets them through while it waits, so the handler runs only there (call
// Install before starting threads, and WaitFor from that thread). Every
// method is thread-safe.
class StopSignals {
 public:
  // Install sets the handlers. Errors if another StopSignals is alive
  // (Errc::kBusy) or the eventfd cannot be made.
  static Result<std::unique_ptr<StopSignals>> Install();

  // The destructor restores the dispositions that were in place before,
  // and the calling thread's signal mask.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // requested reports whether a signal arrived or Request() was called.
  bool requested() const;
  // signal_number is the signal that requested the stop, 0 if none did.
  int signal_number() const;
  // Request asks for a stop from inside the process (e.g. when the link
  // goes away); async-signal-safe.
  void Request();
  // WaitFor blocks until a stop is requested or `timeout` passes, with
  // SIGINT and SIGTERM unblocked while it waits, and returns requested().
  // Once a stop is requested it leaves them unblocked on its thread.
  bool WaitFor(std::chrono::milliseconds timeout) const;

 private:
  explicit StopSignals(UniqueFd efd);

  UniqueFd efd_;  // Readable once a stop was requested.
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_STOP_SIGNALS_H_
