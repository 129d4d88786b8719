#include "fdlink/sys/signal_sys.h"

#include <cerrno>

namespace fdlink::sys {

Result<void> SetSignalHandler(int sig, void (*handler)(int), int flags,
                              struct sigaction* old) {
  struct sigaction sa = {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = flags;
  if (::sigaction(sig, &sa, old) != 0)
    return Error::FromErrno(errno, "sigaction");
  return Ok();
}

void RestoreSignalHandler(int sig, const struct sigaction& old) {
  ::sigaction(sig, &old, nullptr);
}

}  // namespace fdlink::sys
