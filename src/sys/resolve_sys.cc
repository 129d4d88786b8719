#include "fdlink/sys/resolve_sys.h"

#include <netdb.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstring>
#include <string>

namespace fdlink::sys {

static_assert(offsetof(sockaddr_in, sin_port) == 2 &&
              offsetof(sockaddr_in6, sin6_port) == 2);

Result<void> ResolveHost(std::string_view host, uint16_t port,
                         sockaddr_storage* out, socklen_t* len) {
  if (host.empty())
    return Error{Errc::kInvalidArgument, 0, "getaddrinfo: empty host"};
  const std::string name(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &list) != 0 ||
      list == nullptr)
    return Error{Errc::kNotFound, 0, "getaddrinfo"};
  Result<void> r = Error{Errc::kNotFound, 0, "getaddrinfo"};
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    const bool v4 =
        a->ai_family == AF_INET && a->ai_addrlen == sizeof(sockaddr_in);
    const bool v6 =
        a->ai_family == AF_INET6 && a->ai_addrlen == sizeof(sockaddr_in6);
    if (!v4 && !v6) continue;
    *out = {};
    std::memcpy(out, a->ai_addr, a->ai_addrlen);
    *len = a->ai_addrlen;
    // sin_port and sin6_port are both at offset 2, big-endian.
    const uint16_t be = htons(port);
    std::memcpy(reinterpret_cast<uint8_t*>(out) + 2, &be, sizeof(be));
    r = {};
    break;
  }
  ::freeaddrinfo(list);
  return r;
}

}  // namespace fdlink::sys
