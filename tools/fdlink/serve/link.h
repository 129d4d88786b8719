// The link `fdlink serve` runs on: a TUN or TAP device (created if
// missing), AF_PACKET sockets on an interface, or an inherited descriptor;
// opened and configured in the calling thread's network namespace.
#ifndef FDLINK_TOOLS_FDLINK_SERVE_LINK_H_
#define FDLINK_TOOLS_FDLINK_SERVE_LINK_H_

#include <string>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/device/cidr.h"
#include "fdlink/header/mac_address.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {

// kServeTapMac is the responder's MAC on a TAP device (and on --fd with
// --ethernet): locally administered and distinct from the kernel's own
// TAP address, so the kernel must resolve the responder through ARP/NDP.
inline constexpr MacAddress kServeTapMac({0x02, 0xfd, 0, 0, 0, 0x01});

// ServeLinkKind is the kind of link.
enum class ServeLinkKind { kTun, kTap, kPacketSocket, kFd };

// ServeLinkSpec says what to open and how to configure it.
struct ServeLinkSpec {
  ServeLinkKind kind = ServeLinkKind::kTun;
  std::string name;  // Interface name (kTun, kTap, kPacketSocket).
  int fd = -1;       // The inherited descriptor (kFd).
  int queues = 1;    // TUN/TAP queues, or packet sockets in a fanout group.
  int mtu = 0;       // Set on the device when > 0; 0 keeps the device's.
  // device_addrs are assigned to the kernel's side of the interface, which
  // is then brought up; when empty the interface is left as it is.
  std::vector<device::Cidr> device_addrs;
  bool ethernet = false;  // kFd only: frames carry an Ethernet header.
  // kTun only: open the device with a virtio-net header and negotiate the
  // TUN_F_* offloads in tun_offloads (device::TunOptions::offloads).
  bool tun_vnet_hdr = false;
  uint32_t tun_offloads = 0;
};

// ServeLink owns what OpenServeLink opened. Move-only.
struct ServeLink {
  std::string kind_name;        // "tun", "tap", "packet-socket" or "fd".
  std::string name;             // Interface name, or the fd number.
  std::vector<UniqueFd> owned;  // Empty for kFd (the fd is borrowed).
  std::vector<int> fds;         // For Options::fds; valid while owned is.
  int ifindex = 0;              // The interface (0 for kFd).
  bool ethernet = false;
  MacAddress mac;    // The endpoint's MAC (Ethernet links).
  uint32_t mtu = 0;  // The link MTU for the endpoint.
  bool up = true;    // False when the interface is down.
  // vnet_header: the fds carry virtio-net headers; kernel_offloads: the
  // TUN_F_* bits the kernel accepted (see device::TunDevice::offloads()).
  bool vnet_header = false;
  uint32_t kernel_offloads = 0;
};

// OpenServeLink opens and configures the link. On error *step names what
// was being done (empty when the error says it all) and everything opened
// is closed again.
Result<ServeLink> OpenServeLink(const ServeLinkSpec& spec, std::string* step);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_SERVE_LINK_H_
