#include "fdlink/sys/signal_sys.h"

#include <poll.h>
#include <pthread.h>

#include <cerrno>
#include <ctime>

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

namespace {

sigset_t SetOf(std::initializer_list<int> sigs) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : sigs) sigaddset(&set, sig);
  return set;
}

}  // namespace

Result<void> BlockSignals(std::initializer_list<int> sigs, sigset_t* old) {
  const sigset_t set = SetOf(sigs);
  if (const int e = ::pthread_sigmask(SIG_BLOCK, &set, old); e != 0)
    return Error::FromErrno(e, "pthread_sigmask");
  return Ok();
}

void UnblockSignals(std::initializer_list<int> sigs) {
  const sigset_t set = SetOf(sigs);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void RestoreSignalMask(const sigset_t& old) {
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Result<bool> WaitReadableWithMask(int fd, int timeout_ms,
                                  const sigset_t& mask) {
  pollfd p{fd, POLLIN, 0};
  const int ms = timeout_ms < 0 ? 0 : timeout_ms;
  const timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
  const int n = ::ppoll(&p, 1, &ts, &mask);
  if (n < 0) {
    if (errno == EINTR) return false;
    return Error::FromErrno(errno, "ppoll");
  }
  return n > 0;
}

}  // namespace fdlink::sys
