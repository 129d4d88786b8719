#include "fdlink/sys/resolve_sys.h"

#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace fdlink::sys {

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
    if (a->ai_family == AF_INET && a->ai_addrlen == sizeof(sockaddr_in)) {
      sockaddr_in sin;
      std::memcpy(&sin, a->ai_addr, sizeof(sin));
      sin.sin_port = htons(port);
      *out = {};
      std::memcpy(out, &sin, sizeof(sin));
      *len = sizeof(sin);
      r = {};
      break;
    }
    if (a->ai_family == AF_INET6 && a->ai_addrlen == sizeof(sockaddr_in6)) {
      sockaddr_in6 sin6;
      std::memcpy(&sin6, a->ai_addr, sizeof(sin6));
      sin6.sin6_port = htons(port);
      *out = {};
      std::memcpy(out, &sin6, sizeof(sin6));
      *len = sizeof(sin6);
      r = {};
      break;
    }
  }
  ::freeaddrinfo(list);
  return r;
}

}  // namespace fdlink::sys
