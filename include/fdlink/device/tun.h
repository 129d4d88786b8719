// tun: open (creating if needed) a TUN or TAP interface for the fd-based
// endpoint. A device created here is not persistent: it disappears when its
// last descriptor is closed.
#ifndef FDLINK_DEVICE_TUN_H_
#define FDLINK_DEVICE_TUN_H_

#include <string>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::device {

// TunOptions selects the device OpenTun opens.
struct TunOptions {
  // name is the interface name (at most 15 bytes). Empty lets the kernel
  // pick one ("tun0", "tap0"); a "%d" in it is replaced by a number.
  std::string name;
  // tap opens a TAP (Ethernet frames) instead of a TUN (IP packets).
  bool tap = false;
  // vnet_hdr prefixes each packet with a header::kVirtioNetHeaderSize-byte
  // header.
  bool vnet_hdr = false;
  // queues > 1 makes a multi-queue device with one descriptor per queue.
  int queues = 1;
};

// TunDevice owns the descriptors of one open TUN/TAP interface, one per
// queue, each non-blocking and close-on-exec (no packet-info prefix:
// IFF_NO_PI). Move-only. Destroying it closes the descriptors, which
// deletes the interface unless something else still holds a queue.
class TunDevice {
 public:
  TunDevice(TunDevice&&) = default;
  TunDevice& operator=(TunDevice&&) = default;

  // name is the kernel's final interface name.
  const std::string& name() const { return name_; }
  // ifindex is the interface index in the namespace it was created in.
  int ifindex() const { return ifindex_; }
  // tap and vnet_hdr echo the options the device was opened with.
  bool tap() const { return tap_; }
  bool vnet_hdr() const { return vnet_hdr_; }

  // fds are the owned queue descriptors, in queue order.
  const std::vector<UniqueFd>& fds() const { return fds_; }
  // borrowed_fds returns the queue descriptors for handing to an endpoint;
  // they stay valid only while this TunDevice lives and keeps them.
  std::vector<int> borrowed_fds() const;
  // TakeFds transfers ownership of the queue descriptors to the caller;
  // afterwards fds() is empty and the device lives as long as they do.
  std::vector<UniqueFd> TakeFds();

 private:
  friend Result<TunDevice> OpenTunAt(const char*, const TunOptions&);
  TunDevice() = default;

  std::vector<UniqueFd> fds_;
  std::string name_;
  int ifindex_ = 0;
  bool tap_ = false;
  bool vnet_hdr_ = false;
};

// OpenTun opens /dev/net/tun `options.queues` times and attaches every
// descriptor to interface `options.name` (IFF_TUN or IFF_TAP, IFF_NO_PI,
// IFF_VNET_HDR with TUNSETVNETHDRSZ = header::kVirtioNetHeaderSize when asked,
// IFF_MULTI_QUEUE when queues > 1), creating the interface if it does not
// exist. The interface is created in the calling thread's network
// namespace and is left down and unconfigured.
//
// Errors (all-or-nothing: on error every descriptor opened is closed):
//  - Errc::kPermissionDenied: "open /dev/net/tun: needs root or
//    CAP_NET_ADMIN" or "TUNSETIFF: needs root or CAP_NET_ADMIN";
//  - Errc::kNotFound: "/dev/net/tun missing: modprobe tun";
//  - Errc::kBusy: "TUNSETIFF: device busy (another process holds it or its
//    flags differ)";
//  - Errc::kInvalidArgument: a bad option, or the name belongs to an
//    interface of another kind or queue mode.
Result<TunDevice> OpenTun(const TunOptions& options);

// OpenTunAt is OpenTun with the clone device at `device_path` instead of
// /dev/net/tun (for tests and unusual systems).
Result<TunDevice> OpenTunAt(const char* device_path, const TunOptions& options);

}  // namespace fdlink::device

#endif  // FDLINK_DEVICE_TUN_H_
