#include "fdlink/sys/stream_sys.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace fdlink::sys {

Result<std::FILE*> OpenWriteStream(int fd) {
  const int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Error::FromErrno(errno, "dup");
  std::FILE* f = ::fdopen(dup, "w");
  if (f == nullptr) {
    const int err = errno;
    ::close(dup);
    return Error::FromErrno(err, "fdopen");
  }
  return f;
}

}  // namespace fdlink::sys
