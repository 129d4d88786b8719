#include "fdlink/sys/unique_fd.h"

#include "fdlink/sys/syscalls.h"

namespace fdlink {

void UniqueFd::reset(int fd) {
  int old = std::exchange(fd_, fd);
  if (old >= 0) sys::Close(old);
}

}  // namespace fdlink
