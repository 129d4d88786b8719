// signal_sys: installing and restoring process-wide signal handlers.
#ifndef FDLINK_SYS_SIGNAL_SYS_H_
#define FDLINK_SYS_SIGNAL_SYS_H_

#include <csignal>

#include "fdlink/base/result.h"

namespace fdlink::sys {

// SetSignalHandler makes `handler` the action for `sig` with `flags`
// (SA_RESTART, SA_RESETHAND, ...) and no signals blocked while it runs,
// and saves the action it replaces in *old for RestoreSignalHandler.
Result<void> SetSignalHandler(int sig, void (*handler)(int), int flags,
                              struct sigaction* old);

// RestoreSignalHandler puts back an action that SetSignalHandler saved.
void RestoreSignalHandler(int sig, const struct sigaction& old);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_SIGNAL_SYS_H_
