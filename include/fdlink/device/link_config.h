// link_config: configure network interfaces over rtnetlink (never by running
// `ip`). Every function opens its own netlink socket, so each acts on the
// network namespace of the calling thread; run them inside NetNs::Run (or
// a ScopedNetNsEntry) to configure a private namespace. All are
// thread-safe. Kernel refusals come back as Error::FromErrno(errno, op)
// with `op` naming the request, e.g. "RTM_NEWADDR".
#ifndef FDLINK_DEVICE_LINK_CONFIG_H_
#define FDLINK_DEVICE_LINK_CONFIG_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/device/cidr.h"
#include "fdlink/header/mac_address.h"

namespace fdlink::device {

// LinkInfo is what GetLink reports about one interface.
struct LinkInfo {
  int ifindex = 0;
  std::string name;
  uint32_t mtu = 0;
  // tx_queue_len is the packets the kernel queues toward the device
  // (`ip link`'s qlen; for a TUN, packets waiting for the reader).
  uint32_t tx_queue_len = 0;
  uint32_t flags = 0;  // IFF_UP, IFF_RUNNING, IFF_LOOPBACK...
  // hardware_address is empty for devices without one (TUN, loopback
  // reports six zero bytes).
  std::vector<uint8_t> hardware_address;

  // up reports whether IFF_UP is set.
  bool up() const;
};

// InterfaceIndex returns the index of interface `name`. Errors:
// Errc::kNotFound ("unknown interface") when there is no such interface;
// Errc::kInvalidArgument when the name is empty or longer than 15 bytes.
Result<int> InterfaceIndex(std::string_view name);

// GetLink reads the name, MTU, flags and hardware address of `ifindex`.
// Errc::kNotFound when the index is unknown.
Result<LinkInfo> GetLink(int ifindex);

// SetMtu sets the interface MTU (the kernel rejects values outside the
// device's range with Errc::kInvalidArgument).
Result<void> SetMtu(int ifindex, int mtu);

// SetTxQueueLength sets the interface's transmit queue length (`ip link
// set DEV txqueuelen N`): for a TUN, how many packets the kernel holds for
// the reader before it drops. Errc::kInvalidArgument for 0.
Result<void> SetTxQueueLength(int ifindex, uint32_t len);

// SetUp sets (up = true) or clears IFF_UP on the interface.
Result<void> SetUp(int ifindex, bool up);

// AddAddress assigns `cidr` to the interface. IPv4 sets IFA_LOCAL and
// IFA_ADDRESS; IPv6 sets IFA_F_NODAD so the address is usable at once.
// Errc::kAlreadyExists when the address is already assigned;
// Errc::kInvalidArgument for a Cidr that is neither IPv4 nor IPv6.
Result<void> AddAddress(int ifindex, const Cidr& cidr);

// ListAddresses returns every IPv4 and IPv6 address assigned to the
// interface, in the kernel's order.
Result<std::vector<Cidr>> ListAddresses(int ifindex);

// GetHardwareAddress returns the interface's Ethernet address.
// Errc::kNotSupported when the device has no 6-byte hardware address
// (e.g. a TUN device).
Result<MacAddress> GetHardwareAddress(int ifindex);

// SetHardwareAddress changes the interface's Ethernet address. A multicast
// or all-zero address is Errc::kInvalidArgument.
Result<void> SetHardwareAddress(int ifindex, const MacAddress& mac);

// CreateVethPair creates a connected veth pair named `name_a` and `name_b`
// (both down) and returns their indexes in that order. Errc::kAlreadyExists
// when a name is taken. The pair lives until DeleteLink on either end or
// until its network namespace goes away.
Result<std::pair<int, int>> CreateVethPair(std::string_view name_a,
                                           std::string_view name_b);

// DeleteLink removes the interface (for a veth, both ends).
Result<void> DeleteLink(int ifindex);

}  // namespace fdlink::device

#endif  // FDLINK_DEVICE_LINK_CONFIG_H_
