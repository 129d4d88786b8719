// RetryOnEintr: the one loop that restarts a system call interrupted by a
// signal, shared by the sys/ wrappers.
#ifndef FDLINK_SRC_SYS_RETRY_ON_EINTR_H_
#define FDLINK_SRC_SYS_RETRY_ON_EINTR_H_

#include <cerrno>

namespace fdlink::sys {

// RetryOnEintr runs `call` until it returns something other than a negative
// value with errno EINTR, and returns that value (errno is left as the call
// set it).
template <typename Call>
auto RetryOnEintr(Call call) {
  decltype(call()) n;
  do {
    n = call();
  } while (n < 0 && errno == EINTR);
  return n;
}

}  // namespace fdlink::sys

#endif  // FDLINK_SRC_SYS_RETRY_ON_EINTR_H_
