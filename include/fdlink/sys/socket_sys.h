// socket_sys: thin wrappers for the kernel TCP and UDP sockets a proxy on
// top of the link dials out with (fdlink tun2socks). Descriptor arguments
// are borrowed for the duration of a call; sockets are non-blocking and
// close-on-exec.
#ifndef FDLINK_SYS_SOCKET_SYS_H_
#define FDLINK_SYS_SOCKET_SYS_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::sys {

// TcpSocket opens a non-blocking, close-on-exec TCP socket of `family`
// (AF_INET or AF_INET6).
Result<UniqueFd> TcpSocket(int family);

// StartConnect starts connecting `fd` to `addr` (`len` bytes): true when
// it connected at once, false when the connect is in progress (wait for
// writability, then call ConnectResult). Other errors: the errno's Errc
// (a refused loopback connect may fail here at once, kConnectionRefused).
Result<bool> StartConnect(int fd, const sockaddr* addr, socklen_t len);

// ConnectResult reads SO_ERROR after an in-progress connect became
// writable: success, or the connect's own error (kConnectionRefused,
// kTimedOut, kUnreachable, ...).
Result<void> ConnectResult(int fd);

// SetSocketMark sets SO_MARK (needs CAP_NET_ADMIN), so policy routing can
// keep the socket's packets out of a TUN.
Result<void> SetSocketMark(int fd, uint32_t mark);

// BindToDevice sets SO_BINDTODEVICE to interface `name` (needs
// CAP_NET_RAW); kInvalidArgument for an empty or too-long name.
Result<void> BindToDevice(int fd, std::string_view name);

// ShutdownWrite sends FIN after queued data (shutdown(SHUT_WR)).
Result<void> ShutdownWrite(int fd);

// SetResetOnClose makes a later close send RST instead of FIN (SO_LINGER
// with a zero timeout).
Result<void> SetResetOnClose(int fd);

// SetNoDelay turns off Nagle (TCP_NODELAY).
Result<void> SetNoDelay(int fd);

// Bind binds `fd` to `addr`.
Result<void> Bind(int fd, const sockaddr* addr, socklen_t len);

// LocalAddress is getsockname's answer, in `out` (its size in *len on
// entry and on return).
Result<void> LocalAddress(int fd, sockaddr* out, socklen_t* len);

// SendTo sends one datagram to `addr` (MSG_DONTWAIT); kWouldBlock when the
// socket buffer is full.
Result<size_t> SendTo(int fd, std::span<const uint8_t> data,
                      const sockaddr* addr, socklen_t len);

// RecvFrom receives one datagram (MSG_DONTWAIT) into `buf` and its source
// into `from` (*from_len bytes on entry and on return); kWouldBlock when
// none is queued. A datagram larger than `buf` is cut to fit.
Result<size_t> RecvFrom(int fd, std::span<uint8_t> buf, sockaddr* from,
                        socklen_t* from_len);

// Send writes to a connected stream socket without raising SIGPIPE
// (MSG_NOSIGNAL | MSG_DONTWAIT); kWouldBlock when its buffer is full,
// kConnectionReset when the peer is gone.
Result<size_t> Send(int fd, std::span<const uint8_t> data);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_SOCKET_SYS_H_
