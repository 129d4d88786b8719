// Stdio streams over descriptors, for libraries that write through a FILE*
// (libpcap's capture writer).
#ifndef FDLINK_SYS_STREAM_SYS_H_
#define FDLINK_SYS_STREAM_SYS_H_

#include <cstdio>

#include "fdlink/base/result.h"

namespace fdlink::sys {

// OpenWriteStream returns a new buffered stream for writing to a duplicate
// of `fd` (close-on-exec); the caller owns it (fclose closes the duplicate,
// never `fd`). Errors: the dup or fdopen errno.
Result<std::FILE*> OpenWriteStream(int fd);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_STREAM_SYS_H_
