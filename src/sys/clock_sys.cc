#include "fdlink/sys/clock_sys.h"

#include <sys/resource.h>

namespace fdlink::sys {
namespace {

double Seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

double ClockSeconds(clockid_t c) {
  timespec ts{};
  if (::clock_gettime(c, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Result<clockid_t> ThreadCpuClock(pthread_t t) {
  clockid_t c{};
  if (const int rc = ::pthread_getcpuclockid(t, &c); rc != 0)
    return Error::FromErrno(rc, "pthread_getcpuclockid");
  return c;
}

double ProcessCpuSeconds() {
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return Seconds(ru.ru_utime) + Seconds(ru.ru_stime);
}

}  // namespace fdlink::sys
