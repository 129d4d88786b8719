#include "tun2socks/direct.h"

#include <netinet/in.h>

#include <cstring>

#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"

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

socklen_t SockAddrOf(const lwip::FlowAddr& a, sockaddr_storage* out) {
  std::memset(out, 0, sizeof(*out));
  if (a.v6) {
    auto* s = reinterpret_cast<sockaddr_in6*>(out);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(a.port);
    std::memcpy(&s->sin6_addr, a.ip.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* s = reinterpret_cast<sockaddr_in*>(out);
  s->sin_family = AF_INET;
  s->sin_port = htons(a.port);
  std::memcpy(&s->sin_addr, a.ip.data(), 4);
  return sizeof(sockaddr_in);
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
