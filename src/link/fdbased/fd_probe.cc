#include "link/fdbased/fd_probe.h"

#include "fdlink/sys/syscalls.h"

namespace fdlink::fdbased {

Result<std::unique_ptr<FdState>> ProbeFd(int fd, const char* not_open) {
  Result<bool> sock = sys::IsSocket(fd);
  if (!sock) return Error{sock.error().code, sock.error().sys_errno, not_open};
  if (Result<void> nb = sys::SetNonBlocking(fd); !nb) return nb.error();
  auto st = std::make_unique<FdState>();
  st->fd = fd;
  st->is_socket = *sock;
  Result<bool> fifo = sys::IsFifo(fd);
  st->is_fifo = fifo && *fifo;
  if (st->is_socket) {
    Result<int> type = sys::SocketType(fd);
    if (!type) return type.error();
    st->socket_type = *type;
  }
  return st;
}

}  // namespace fdlink::fdbased
