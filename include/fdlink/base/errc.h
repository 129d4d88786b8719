// Errc: the closed set of error kinds fdlink reports, and the one place errno
// values are mapped onto it.
#ifndef FDLINK_BASE_ERRC_H_
#define FDLINK_BASE_ERRC_H_

#include <cstdint>
#include <string_view>

namespace fdlink {

// Errc is every error kind the library can return. kWouldBlock is a normal
// outcome ("try again later"), not a failure; callers usually branch on it.
enum class Errc : uint8_t {
  kWouldBlock,         // EAGAIN/EWOULDBLOCK: nothing to do right now.
  kInterrupted,        // EINTR.
  kInvalidArgument,    // A bad option or argument; the message says which.
  kBadFd,              // EBADF: the descriptor is closed or invalid.
  kNotASocket,         // ENOTSOCK.
  kPeerClosed,         // The peer hung up (read returned 0, or POLLHUP).
  kConnectionReset,    // ECONNRESET / EPIPE.
  kIoError,            // EIO / POLLERR: the descriptor failed.
  kMessageTooLong,     // EMSGSIZE: a packet larger than the link allows.
  kNoBufferSpace,      // ENOBUFS / ENOMEM from the kernel.
  kPermissionDenied,   // EPERM / EACCES: needs root or CAP_NET_ADMIN.
  kNotFound,           // ENOENT / ENODEV / ENXIO: no such device or file.
  kBusy,               // EBUSY: the device is in use.
  kAlreadyExists,      // EEXIST.
  kNotSupported,       // EOPNOTSUPP / ENOSYS / EPROTONOSUPPORT.
  kTimedOut,           // ETIMEDOUT.
  kConnectionRefused,  // ECONNREFUSED: nobody listens there.
  kUnreachable,        // EHOSTUNREACH / ENETUNREACH: no route there.
  kClosed,             // The fdlink object was closed; no further use.
  kMalformed,          // Bytes that do not parse as the expected header.
  kUnknown,            // Any errno not listed above (the raw errno is kept).
};

// ErrcName returns a stable lower-case name for code, e.g. "would_block".
std::string_view ErrcName(Errc code);

// ErrcFromErrno maps an errno value onto Errc. This is the only errno mapping
// in the library; unknown values become Errc::kUnknown.
Errc ErrcFromErrno(int err);

}  // namespace fdlink

#endif  // FDLINK_BASE_ERRC_H_
