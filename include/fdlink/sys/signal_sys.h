// signal_sys: installing and restoring process-wide signal handlers, the
// calling thread's signal mask, and waiting with signals let through.
#ifndef FDLINK_SYS_SIGNAL_SYS_H_
#define FDLINK_SYS_SIGNAL_SYS_H_

#include <csignal>
#include <initializer_list>

#include "fdlink/base/result.h"

namespace fdlink::sys {

// SetSignalHandler makes `handler` the action for `sig` with `flags`
// (SA_RESTART, SA_RESETHAND, ...) and no signals blocked while it runs,
// and saves the action it replaces in *old for RestoreSignalHandler.
Result<void> SetSignalHandler(int sig, void (*handler)(int), int flags,
                              struct sigaction* old);

// RestoreSignalHandler puts back an action that SetSignalHandler saved.
void RestoreSignalHandler(int sig, const struct sigaction& old);

// BlockSignals adds `sigs` to the calling thread's signal mask (threads it
// starts afterwards inherit it) and saves the mask it replaces in *old.
Result<void> BlockSignals(std::initializer_list<int> sigs, sigset_t* old);
// UnblockSignals removes `sigs` from the calling thread's signal mask.
void UnblockSignals(std::initializer_list<int> sigs);
// RestoreSignalMask makes `old` (from BlockSignals) the calling thread's
// signal mask again.
void RestoreSignalMask(const sigset_t& old);

// WaitReadableWithMask waits up to `timeout_ms` (clamped at 0) for fd to
// be readable with `mask` as the calling thread's signal mask for the
// wait only (ppoll), so blocked signals can be handled exactly there.
// True when readable; false on timeout or when a handler ran (EINTR).
Result<bool> WaitReadableWithMask(int fd, int timeout_ms, const sigset_t& mask);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_SIGNAL_SYS_H_
