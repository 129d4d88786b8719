// packet_socket: AF_PACKET sockets bound to one interface, optionally spread
// over a PACKET_FANOUT group, for the fd-based endpoint on a real NIC or a
// veth.
#ifndef FDLINK_DEVICE_PACKET_SOCKET_H_
#define FDLINK_DEVICE_PACKET_SOCKET_H_

#include <string_view>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::device {

// kPacketSocketBufferBytes is the default SO_RCVBUF/SO_SNDBUF size.
inline constexpr int kPacketSocketBufferBytes = 4 << 20;

// PacketSocketOptions tunes OpenPacketSockets; the defaults suit the
// endpoint.
struct PacketSocketOptions {
  // buffer_bytes is set as SO_RCVBUF and SO_SNDBUF (forced past
  // net.core.[rw]mem_max when the caller has CAP_NET_ADMIN).
  int buffer_bytes = kPacketSocketBufferBytes;
  // kernel_fanout_id lets the kernel pick a free fanout group id
  // (PACKET_FANOUT_FLAG_UNIQUEID). When false, or when the kernel rejects
  // that flag, the id is derived from the process id instead.
  bool kernel_fanout_id = true;
  // vnet_hdr sets PACKET_VNET_HDR on every socket before it is bound:
  // each frame read or written then starts with a 10-byte virtio-net
  // header, and the kernel hands over GRO'd/GSO frames up to 64 KB whole
  // (for the endpoint: fdbased::OffloadOptions{.vnet_header = true,
  // .kernel_offloads = fdbased::kPacketSocketOffloads}).
  bool vnet_hdr = false;
};

// PacketSockets owns the sockets OpenPacketSockets opened. Move-only by
// virtue of its UniqueFds.
struct PacketSockets {
  // fds are the sockets, each bound to the interface, non-blocking and
  // close-on-exec.
  std::vector<UniqueFd> fds;
  // ifindex is the interface the sockets are bound to.
  int ifindex = 0;
  // fanout_id is the PACKET_FANOUT group all sockets joined (hash mode),
  // or -1 when there is a single socket and so no group.
  int fanout_id = -1;
  // ignores_outgoing is true when the sockets do not receive the frames
  // this host sends on the interface (PACKET_IGNORE_OUTGOING, or the
  // fanout flag of the same name); false on kernels without either.
  bool ignores_outgoing = false;
  // vnet_hdr is true when every socket carries virtio-net headers
  // (PacketSocketOptions::vnet_hdr took; OpenPacketSockets fails otherwise).
  bool vnet_hdr = false;

  // borrowed_fds returns the descriptors for an endpoint; they are valid
  // only while this object lives and keeps them.
  std::vector<int> borrowed_fds() const;
};

// OpenPacketSockets opens `count` (>= 1) AF_PACKET SOCK_RAW sockets for
// every protocol (ETH_P_ALL) on interface `ifname` of the calling thread's
// network namespace. With count > 1 they all join one PACKET_FANOUT_HASH
// group, so each flow is read by a single socket. Errors: kInvalidArgument
// for count < 1; kNotFound ("unknown interface") for a missing interface;
// kPermissionDenied without CAP_NET_RAW; otherwise the failing call's
// errno (kNotSupported, "setsockopt(PACKET_VNET_HDR)", when vnet_hdr was
// asked of a kernel without it). On error every socket opened is closed.
Result<PacketSockets> OpenPacketSockets(std::string_view ifname, int count);
Result<PacketSockets> OpenPacketSockets(std::string_view ifname, int count,
                                        const PacketSocketOptions& options);

}  // namespace fdlink::device

#endif  // FDLINK_DEVICE_PACKET_SOCKET_H_
