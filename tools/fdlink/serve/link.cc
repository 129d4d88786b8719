#include "serve/link.h"

#include "fdlink/device/link_config.h"
#include "fdlink/device/packet_socket.h"
#include "fdlink/device/tun.h"

namespace fdlink::tool {
namespace {

// ConfigureInterface applies the MTU and the kernel-side addresses (then
// brings the interface up), and reads back the MTU and state.
Result<void> ConfigureInterface(const ServeLinkSpec& spec, int ifindex,
                                ServeLink* link, std::string* step) {
  if (spec.mtu > 0) {
    *step = "set MTU " + std::to_string(spec.mtu) + " on " + link->name;
    if (Result<void> r = device::SetMtu(ifindex, spec.mtu); !r) return r;
  }
  for (const device::Cidr& cidr : spec.device_addrs) {
    *step = "add " + cidr.ToString() + " to " + link->name;
    Result<void> r = device::AddAddress(ifindex, cidr);
    if (!r && r.error().code != Errc::kAlreadyExists) return r;
  }
  if (!spec.device_addrs.empty()) {
    *step = "bring " + link->name + " up";
    if (Result<void> r = device::SetUp(ifindex, true); !r) return r;
  }
  *step = "read " + link->name;
  Result<device::LinkInfo> info = device::GetLink(ifindex);
  if (!info) return info.error();
  link->mtu = info->mtu;
  link->up = info->up();
  step->clear();
  return Ok();
}

Result<ServeLink> OpenTunOrTap(const ServeLinkSpec& spec, std::string* step) {
  const bool tap = spec.kind == ServeLinkKind::kTap;
  device::TunOptions to;
  to.name = spec.name;
  to.tap = tap;
  to.queues = spec.queues;
  to.vnet_hdr = !tap && spec.tun_vnet_hdr;
  to.offloads = spec.tun_offloads;
  Result<device::TunDevice> dev = device::OpenTun(to);
  if (!dev) return dev.error();
  ServeLink link;
  link.kind_name = tap ? "tap" : "tun";
  link.name = dev->name();
  link.fds = dev->borrowed_fds();
  link.owned = dev->TakeFds();
  link.ifindex = dev->ifindex();
  link.ethernet = tap;
  link.vnet_header = dev->vnet_hdr();
  link.kernel_offloads = dev->offloads();
  if (tap) link.mac = kServeTapMac;
  if (Result<void> r = ConfigureInterface(spec, dev->ifindex(), &link, step);
      !r)
    return r.error();
  return link;
}

// OpenPacket configures the interface first: a packet socket bound to an
// interface that is down reports ENETDOWN on its first receive.
Result<ServeLink> OpenPacket(const ServeLinkSpec& spec, std::string* step) {
  ServeLink link;
  link.kind_name = "packet-socket";
  link.name = spec.name;
  link.ethernet = true;
  *step = "find interface " + spec.name;
  Result<int> ifindex = device::InterfaceIndex(spec.name);
  if (!ifindex) return ifindex.error();
  if (Result<void> r = ConfigureInterface(spec, *ifindex, &link, step); !r)
    return r.error();
  Result<device::PacketSockets> ps =
      device::OpenPacketSockets(spec.name, spec.queues);
  if (!ps) {
    *step = "open AF_PACKET sockets on " + spec.name;
    return ps.error();
  }
  link.fds = ps->borrowed_fds();
  link.owned = std::move(ps->fds);
  link.ifindex = ps->ifindex;
  *step = "read the MAC address of " + spec.name;
  Result<MacAddress> mac = device::GetHardwareAddress(ps->ifindex);
  if (!mac) return mac.error();
  link.mac = *mac;
  step->clear();
  return link;
}

}  // namespace

Result<ServeLink> OpenServeLink(const ServeLinkSpec& spec, std::string* step) {
  step->clear();
  switch (spec.kind) {
    case ServeLinkKind::kTun:
    case ServeLinkKind::kTap:
      return OpenTunOrTap(spec, step);
    case ServeLinkKind::kPacketSocket:
      return OpenPacket(spec, step);
    case ServeLinkKind::kFd:
      break;
  }
  ServeLink link;
  link.kind_name = "fd";
  link.name = std::to_string(spec.fd);
  link.fds = {spec.fd};
  link.ethernet = spec.ethernet;
  if (spec.ethernet) link.mac = kServeTapMac;
  link.mtu = spec.mtu > 0 ? static_cast<uint32_t>(spec.mtu) : 1500;
  return link;
}

}  // namespace fdlink::tool
