// Upstream and Handshake: how `fdlink tun2socks` reaches a connection's
// original destination. One Upstream per run (direct, or through a SOCKS5
// server); the relay drives each dial's socket without blocking.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_UPSTREAM_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_UPSTREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool::tun2socks {

// Handshake is the protocol an upstream runs on a freshly connected socket
// before relaying (SOCKS5's greeting, authentication and CONNECT). One per
// dial, driven by the relay thread only.
class Handshake {
 public:
  virtual ~Handshake() = default;
  // Want is what Step needs next from the socket.
  enum class Want { kRead, kWrite, kDone };
  // Step is called once the TCP connect has completed, and then each time
  // the socket is ready for what the previous Step wanted. It does
  // non-blocking I/O on `fd` (borrowed). kDone: the socket now carries the
  // client's stream. Errors end the dial (the client gets an RST): the
  // server refused (kConnectionRefused, kUnreachable, kPermissionDenied
  // for failed authentication, kNotSupported for an unsupported command
  // or address type), spoke nonsense (kMalformed) or closed (kPeerClosed).
  virtual Result<Want> Step(int fd) = 0;
  // Leftover is stream bytes the handshake read past its last reply (to
  // be relayed to the client first); empty for most servers.
  virtual std::span<const uint8_t> Leftover() const { return {}; }
};

// Upstream opens outbound connections. Threading: Dial runs on the relay
// thread only (no lock of the relay or lwIP is held across a syscall that
// can block: every socket is non-blocking).
class Upstream {
 public:
  virtual ~Upstream() = default;
  // Dialing is a started dial: the socket (connect in progress, or done
  // when `connected`) and the handshake to run on it (null for direct:
  // relay as soon as connected).
  struct Dialing {
    UniqueFd fd;
    bool connected = false;
    std::unique_ptr<Handshake> handshake;
  };
  // Dial starts a TCP connection whose stream reaches `dst` (the client's
  // original destination). Errors: the socket or connect errno (the
  // client then gets an RST at once).
  virtual Result<Dialing> Dial(const lwip::FlowAddr& dst) = 0;
  // Name is for logs and the ready line: "direct" or "socks5 HOST:PORT".
  virtual const char* Name() const = 0;
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_UPSTREAM_H_
