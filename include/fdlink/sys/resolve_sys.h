// resolve_sys: name resolution (getaddrinfo) for the rare place that takes
// a host name from the user, e.g. `fdlink tun2socks --socks5 NAME:PORT`,
// resolved once at start-up. Blocking: never call it on a packet or relay
// thread.
#ifndef FDLINK_SYS_RESOLVE_SYS_H_
#define FDLINK_SYS_RESOLVE_SYS_H_

#include <sys/socket.h>

#include <cstdint>
#include <string_view>

#include "fdlink/base/result.h"

namespace fdlink::sys {

// ResolveHost resolves `host` (a name, or an IPv4/IPv6 literal) for TCP
// and writes its first address with `port` into *out (*len set to its
// size). IPv4 and IPv6 answers are both accepted, in the resolver's
// order. Errors: kInvalidArgument for an empty host, kNotFound when the
// name does not resolve (what "getaddrinfo").
Result<void> ResolveHost(std::string_view host, uint16_t port,
                         sockaddr_storage* out, socklen_t* len);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_RESOLVE_SYS_H_
