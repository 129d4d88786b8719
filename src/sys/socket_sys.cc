#include "fdlink/sys/socket_sys.h"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "sys/retry_on_eintr.h"

namespace fdlink::sys {
namespace {

Result<void> SetOpt(int fd, int level, int name, const void* v, socklen_t n,
                    const char* op) {
  if (::setsockopt(fd, level, name, v, n) != 0)
    return Error::FromErrno(errno, op);
  return {};
}

Result<size_t> Sent(ssize_t n, const char* op) {
  if (n < 0) return Error::FromErrno(errno, op);
  return static_cast<size_t>(n);
}

}  // namespace

Result<UniqueFd> TcpSocket(int family) {
  const int fd =
      ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::FromErrno(errno, "socket(SOCK_STREAM)");
  return UniqueFd(fd);
}

Result<bool> StartConnect(int fd, const sockaddr* addr, socklen_t len) {
  if (RetryOnEintr([&] { return ::connect(fd, addr, len); }) == 0) return true;
  if (errno == EINPROGRESS || errno == EALREADY) return false;
  return Error::FromErrno(errno, "connect");
}

Result<void> ConnectResult(int fd) {
  int err = 0;
  socklen_t n = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) != 0)
    return Error::FromErrno(errno, "getsockopt(SO_ERROR)");
  if (err != 0) return Error::FromErrno(err, "connect");
  return {};
}

Result<void> SetSocketMark(int fd, uint32_t mark) {
  return SetOpt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark),
                "setsockopt(SO_MARK)");
}

Result<void> BindToDevice(int fd, std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return Error{Errc::kInvalidArgument, 0, "SO_BINDTODEVICE: bad name"};
  char buf[IFNAMSIZ] = {};
  std::memcpy(buf, name.data(), name.size());
  return SetOpt(fd, SOL_SOCKET, SO_BINDTODEVICE, buf,
                static_cast<socklen_t>(name.size() + 1),
                "setsockopt(SO_BINDTODEVICE)");
}

Result<void> ShutdownWrite(int fd) {
  if (::shutdown(fd, SHUT_WR) != 0)
    return Error::FromErrno(errno, "shutdown(SHUT_WR)");
  return {};
}

Result<void> SetResetOnClose(int fd) {
  const linger l{1, 0};
  return SetOpt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l),
                "setsockopt(SO_LINGER)");
}

Result<void> SetNoDelay(int fd) {
  const int one = 1;
  return SetOpt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one),
                "setsockopt(TCP_NODELAY)");
}

Result<void> Bind(int fd, const sockaddr* addr, socklen_t len) {
  if (::bind(fd, addr, len) != 0) return Error::FromErrno(errno, "bind");
  return {};
}

Result<void> LocalAddress(int fd, sockaddr* out, socklen_t* len) {
  if (::getsockname(fd, out, len) != 0)
    return Error::FromErrno(errno, "getsockname");
  return {};
}

Result<size_t> SendTo(int fd, std::span<const uint8_t> data,
                      const sockaddr* addr, socklen_t len) {
  return Sent(RetryOnEintr([&] {
                return ::sendto(fd, data.data(), data.size(),
                                MSG_DONTWAIT | MSG_NOSIGNAL, addr, len);
              }),
              "sendto");
}

Result<size_t> RecvFrom(int fd, std::span<uint8_t> buf, sockaddr* from,
                        socklen_t* from_len) {
  return Sent(RetryOnEintr([&] {
                return ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT,
                                  from, from_len);
              }),
              "recvfrom");
}

Result<size_t> Send(int fd, std::span<const uint8_t> data) {
  return Sent(RetryOnEintr([&] {
                return ::send(fd, data.data(), data.size(),
                              MSG_DONTWAIT | MSG_NOSIGNAL);
              }),
              "send");
}

}  // namespace fdlink::sys
