#include "tun2socks/direct.h"

#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"
#include "tun2socks/socks5_sockaddr.h"

namespace fdlink::tool::tun2socks {

Result<void> OutboundPolicy::Apply(int fd) const {
  if (mark != 0) {
    if (Result<void> r = sys::SetSocketMark(fd, mark); !r) return r;
  }
  if (!device.empty()) {
    if (Result<void> r = sys::BindToDevice(fd, device); !r) return r;
  }
  return Ok();
}

Result<Upstream::Dialing> DirectUpstream::Dial(const lwip::FlowAddr& dst) {
  Result<UniqueFd> fd = sys::TcpSocket(dst.v6 ? AF_INET6 : AF_INET);
  if (!fd) return fd.error();
  if (Result<void> r = policy_.Apply(fd->get()); !r) return r.error();
  // Best effort: a relay forwards what the client wrote when it wrote it.
  (void)sys::SetNoDelay(fd->get());
  sockaddr_storage ss;
  const socklen_t len = SockAddrOf(dst, &ss);
  Result<bool> connected =
      sys::StartConnect(fd->get(), reinterpret_cast<sockaddr*>(&ss), len);
  if (!connected) return connected.error();
  Dialing d;
  d.fd = std::move(*fd);
  d.connected = *connected;
  return d;
}

Result<UniqueFd> OpenDirectUdp(const OutboundPolicy& policy,
                               const lwip::FlowAddr& dst) {
  Result<UniqueFd> fd = sys::UdpSocket(dst.v6 ? AF_INET6 : AF_INET);
  if (!fd) return fd.error();
  if (Result<void> r = policy.Apply(fd->get()); !r) return r.error();
  sockaddr_storage ss;
  const socklen_t len = SockAddrOf(dst, &ss);
  Result<bool> c =
      sys::StartConnect(fd->get(), reinterpret_cast<sockaddr*>(&ss), len);
  if (!c) return c.error();
  return std::move(*fd);
}

}  // namespace fdlink::tool::tun2socks
