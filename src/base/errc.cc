#include "fdlink/base/errc.h"

#include <cerrno>

namespace fdlink {

std::string_view ErrcName(Errc code) {
  switch (code) {
    case Errc::kWouldBlock:
      return "would_block";
    case Errc::kInterrupted:
      return "interrupted";
    case Errc::kInvalidArgument:
      return "invalid_argument";
    case Errc::kBadFd:
      return "bad_fd";
    case Errc::kNotASocket:
      return "not_a_socket";
    case Errc::kPeerClosed:
      return "peer_closed";
    case Errc::kConnectionReset:
      return "connection_reset";
    case Errc::kIoError:
      return "io_error";
    case Errc::kMessageTooLong:
      return "message_too_long";
    case Errc::kNoBufferSpace:
      return "no_buffer_space";
    case Errc::kPermissionDenied:
      return "permission_denied";
    case Errc::kNotFound:
      return "not_found";
    case Errc::kBusy:
      return "busy";
    case Errc::kAlreadyExists:
      return "already_exists";
    case Errc::kNotSupported:
      return "not_supported";
    case Errc::kTimedOut:
      return "timed_out";
    case Errc::kConnectionRefused:
      return "connection_refused";
    case Errc::kUnreachable:
      return "unreachable";
    case Errc::kClosed:
      return "closed";
    case Errc::kMalformed:
      return "malformed";
    case Errc::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Errc ErrcFromErrno(int err) {
  switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
      return Errc::kWouldBlock;
    case EINTR:
      return Errc::kInterrupted;
    case EINVAL:
      return Errc::kInvalidArgument;
    case EBADF:
      return Errc::kBadFd;
    case ENOTSOCK:
      return Errc::kNotASocket;
    case ECONNRESET:
    case EPIPE:
      return Errc::kConnectionReset;
    case EIO:
      return Errc::kIoError;
    case EMSGSIZE:
      return Errc::kMessageTooLong;
    case ENOBUFS:
    case ENOMEM:
      return Errc::kNoBufferSpace;
    case EPERM:
    case EACCES:
      return Errc::kPermissionDenied;
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return Errc::kNotFound;
    case EBUSY:
      return Errc::kBusy;
    case EEXIST:
      return Errc::kAlreadyExists;
    case EOPNOTSUPP:
    case ENOSYS:
    case EPROTONOSUPPORT:
      return Errc::kNotSupported;
    case ETIMEDOUT:
      return Errc::kTimedOut;
    case ECONNREFUSED:
      return Errc::kConnectionRefused;
    case EHOSTUNREACH:
    case ENETUNREACH:
      return Errc::kUnreachable;
    default:
      return Errc::kUnknown;
  }
}

}  // namespace fdlink
