// TortureVeth: the torture's link for AF_PACKET modes (packet_mmap): a veth
// pair in a private network namespace made for the run. Each generation
// opens fresh AF_PACKET sockets on it: the endpoint's, in one fanout group
// on one end, and one socket per peer writer on the other end.
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_VETH_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_VETH_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/device/netns.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {

// TortureVeth owns the namespace and with it the veth pair.
//
// Threading: OpenSockets may be called from any one thread at a time (the
// control thread); the sockets it returns work from any thread.
class TortureVeth {
 public:
  // Create makes the namespace and an up veth pair in it (IPv6 off, so the
  // kernel sends nothing of its own). Needs root (CAP_SYS_ADMIN,
  // CAP_NET_ADMIN); errors name the failing step.
  static Result<std::unique_ptr<TortureVeth>> Create();

  // OpenSockets opens `n` AF_PACKET sockets on our end (a fanout group when
  // n > 1) into *ours and `n` single sockets on the peer end into *peers
  // (replacing their contents). The peers are non-blocking.
  Result<void> OpenSockets(uint32_t n, std::vector<UniqueFd>* ours,
                           std::vector<UniqueFd>* peers) const;

 private:
  explicit TortureVeth(device::NetNs ns) : ns_(std::move(ns)) {}

  device::NetNs ns_;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_VETH_H_
