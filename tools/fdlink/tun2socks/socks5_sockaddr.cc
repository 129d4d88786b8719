#include "tun2socks/socks5_sockaddr.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace fdlink::tool::tun2socks {

socklen_t SockAddrOf(const lwip::FlowAddr& a, sockaddr_storage* out) {
  *out = {};
  if (a.v6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(a.port);
    std::memcpy(&sin6.sin6_addr, a.ip.data(), 16);
    std::memcpy(out, &sin6, sizeof(sin6));
    return sizeof(sin6);
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(a.port);
  std::memcpy(&sin.sin_addr, a.ip.data(), 4);
  std::memcpy(out, &sin, sizeof(sin));
  return sizeof(sin);
}

Result<lwip::FlowAddr> FlowAddrOf(const sockaddr_storage& ss, socklen_t len) {
  lwip::FlowAddr a;
  if (ss.ss_family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in sin;
    std::memcpy(&sin, &ss, sizeof(sin));
    std::memcpy(a.ip.data(), &sin.sin_addr, 4);
    a.port = ntohs(sin.sin_port);
    return a;
  }
  if (ss.ss_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, &ss, sizeof(sin6));
    std::memcpy(a.ip.data(), &sin6.sin6_addr, 16);
    a.port = ntohs(sin6.sin6_port);
    a.v6 = true;
    return a;
  }
  return Error{Errc::kInvalidArgument, 0, "not an IPv4 or IPv6 address"};
}

}  // namespace fdlink::tool::tun2socks
