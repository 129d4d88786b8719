// DirectUpstream: `fdlink tun2socks --direct`, each connection dialled
// straight to its original destination from a kernel socket that is kept
// out of the TUN by a firewall mark or by binding it to another device.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_DIRECT_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_DIRECT_H_

#include <cstdint>
#include <string>

#include "fdlink/base/result.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/sys/unique_fd.h"
#include "tun2socks/udp_relay.h"
#include "tun2socks/upstream.h"

namespace fdlink::tool::tun2socks {

// OutboundPolicy is how direct sockets stay out of the TUN: SO_MARK `mark`
// (when non-zero; a policy rule routes marked packets elsewhere) and/or
// SO_BINDTODEVICE `device` (when non-empty).
struct OutboundPolicy {
  uint32_t mark = 0;
  std::string device;

  // Apply sets the policy on socket `fd` (borrowed); errors are the
  // setsockopt's (kPermissionDenied without CAP_NET_ADMIN / CAP_NET_RAW).
  [[nodiscard]] Result<void> Apply(int fd) const;
};

// DirectUpstream dials with non-blocking TCP sockets under `policy`, with
// TCP_NODELAY (the client's own segmentation is kept). No handshake.
// Threading: as Upstream (the relay thread only); holds no state per dial.
class DirectUpstream final : public Upstream {
 public:
  explicit DirectUpstream(OutboundPolicy policy) : policy_(std::move(policy)) {}

  // Dial opens the socket, applies the policy and starts the connect.
  // Errors: the socket, setsockopt or connect errno.
  Result<Dialing> Dial(const lwip::FlowAddr& dst) override;
  const char* Name() const override { return "direct"; }

  // policy is what each socket gets (also used for UDP flows).
  const OutboundPolicy& policy() const { return policy_; }

 private:
  const OutboundPolicy policy_;
};

// OpenDirectUdp opens a non-blocking UDP socket under `policy`, connected
// to `dst`, for one UDP flow. Errors: the socket, setsockopt or connect
// errno.
Result<UniqueFd> OpenDirectUdp(const OutboundPolicy& policy,
                               const lwip::FlowAddr& dst);

// DirectUdpUpstream opens each UDP flow with OpenDirectUdp.
class DirectUdpUpstream final : public UdpUpstream {
 public:
  explicit DirectUdpUpstream(OutboundPolicy policy)
      : policy_(std::move(policy)) {}
  Result<UniqueFd> Open(const lwip::FlowAddr& dst) override {
    return OpenDirectUdp(policy_, dst);
  }

 private:
  const OutboundPolicy policy_;
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_DIRECT_H_
