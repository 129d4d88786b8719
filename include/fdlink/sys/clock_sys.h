// clock_sys: the CPU-time clocks that `fdlink bench` reads to cost a packet.
#ifndef FDLINK_SYS_CLOCK_SYS_H_
#define FDLINK_SYS_CLOCK_SYS_H_

#include <pthread.h>
#include <time.h>

#include "fdlink/base/result.h"

namespace fdlink::sys {

// ClockSeconds reads clock `c` (e.g. CLOCK_THREAD_CPUTIME_ID) in seconds;
// 0 when it cannot be read.
double ClockSeconds(clockid_t c);

// ThreadCpuClock is the CPU-time clock of thread `t`, readable with
// ClockSeconds from any thread while `t` runs.
Result<clockid_t> ThreadCpuClock(pthread_t t);

// ProcessCpuSeconds is the CPU time (user + system) this process used so
// far, every thread included; 0 when it cannot be read.
double ProcessCpuSeconds();

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_CLOCK_SYS_H_
