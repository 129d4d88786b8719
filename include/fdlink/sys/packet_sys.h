// packet_sys: thin wrappers for AF_PACKET sockets and their fanout groups.
// Descriptor arguments are borrowed for the duration of each call. Errors
// carry the raw errno so callers can branch on it (e.g. ENOPROTOOPT).
#ifndef FDLINK_SYS_PACKET_SYS_H_
#define FDLINK_SYS_PACKET_SYS_H_

#include <cstdint>

#include "fdlink/base/result.h"
#include "fdlink/base/unique_fd.h"

namespace fdlink::sys {

// OpenPacketSocket creates an AF_PACKET SOCK_RAW socket, non-blocking and
// close-on-exec, with protocol 0 so that it receives nothing until
// BindPacketSocket attaches it to one interface (no frames from other
// interfaces are queued in between).
Result<UniqueFd> OpenPacketSocket();

// BindPacketSocket binds fd to interface `ifindex` for every protocol
// (ETH_P_ALL); from then on the socket receives that interface's frames.
Result<void> BindPacketSocket(int fd, int ifindex);

// JoinPacketFanout is setsockopt(PACKET_FANOUT) with group `id` and
// `type_flags` (a PACKET_FANOUT_* type or'ed with PACKET_FANOUT_FLAG_*).
// The socket must be bound. Errors keep the kernel's errno (EINVAL for an
// unsupported flag or a group of another type/device, EADDRINUSE...).
Result<void> JoinPacketFanout(int fd, uint16_t id, uint16_t type_flags);

// PacketFanoutId reads back the id of the fanout group fd belongs to
// (getsockopt(PACKET_FANOUT)); needed after PACKET_FANOUT_FLAG_UNIQUEID.
Result<uint16_t> PacketFanoutId(int fd);

// SetPacketIgnoreOutgoing sets PACKET_IGNORE_OUTGOING so the socket does not
// see frames this host transmits on the interface. ENOPROTOOPT means the
// kernel is too old.
Result<void> SetPacketIgnoreOutgoing(int fd);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_PACKET_SYS_H_
