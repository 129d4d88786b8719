#include "fdlink/sys/netns_sys.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>

namespace fdlink::sys {

Result<void> UnshareNetNs() {
  if (::unshare(CLONE_NEWNET) < 0)
    return Error::FromErrno(errno, "unshare(CLONE_NEWNET)");
  return Ok();
}

Result<UniqueFd> OpenThreadNetNs() {
  int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::FromErrno(errno, "open /proc/thread-self/ns/net");
  return UniqueFd(fd);
}

Result<void> SetNetNs(int ns_fd) {
  if (::setns(ns_fd, CLONE_NEWNET) < 0)
    return Error::FromErrno(errno, "setns(CLONE_NEWNET)");
  return Ok();
}

Result<bool> SameFile(int a, int b) {
  struct stat sa, sb;
  if (::fstat(a, &sa) < 0 || ::fstat(b, &sb) < 0)
    return Error::FromErrno(errno, "fstat");
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace fdlink::sys
