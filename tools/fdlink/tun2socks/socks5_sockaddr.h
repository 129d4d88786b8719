// socks5_sockaddr: between lwip::FlowAddr (how the relay names endpoints)
// and the sockaddr the SOCKS5 upstream connects its sockets to.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_SOCKADDR_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_SOCKADDR_H_

#include <sys/socket.h>

#include "fdlink/base/result.h"
#include "fdlink/lwip/nat_table.h"

namespace fdlink::tool::tun2socks {

// SockAddrOf writes `a` as a sockaddr_in or sockaddr_in6 into *out and
// returns its length.
socklen_t SockAddrOf(const lwip::FlowAddr& a, sockaddr_storage* out);

// FlowAddrOf is the FlowAddr of a sockaddr_in or sockaddr_in6 (`len`
// bytes); kInvalidArgument for another family or a short length.
Result<lwip::FlowAddr> FlowAddrOf(const sockaddr_storage& ss, socklen_t len);

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_SOCKADDR_H_
