// packet_sys: thin wrappers for AF_PACKET sockets and their fanout groups.
// Descriptor arguments are borrowed for the duration of each call. Errors
// carry the raw errno so callers can branch on it (e.g. ENOPROTOOPT).
#ifndef FDLINK_SYS_PACKET_SYS_H_
#define FDLINK_SYS_PACKET_SYS_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

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

// SetPacketVnetHdr turns PACKET_VNET_HDR on: every frame read from or
// written to the socket is then preceded by a 10-byte virtio-net header
// (the kernel hands over GSO frames whole, with partial checksums). It must
// be set before the socket has a ring; set it before bind so no frame is
// queued without the header.
Result<void> SetPacketVnetHdr(int fd);

// SetPacketAuxdata turns PACKET_AUXDATA on: every message received on the
// socket then carries a tpacket_auxdata control message with the frame's
// checksum state (read with PacketChecksumTrusted).
Result<void> SetPacketAuxdata(int fd);

// kPacketControlSize is the control buffer one received message needs for
// its tpacket_auxdata (CMSG_SPACE of it, rounded up).
inline constexpr size_t kPacketControlSize = 64;

// PacketChecksumTrusted reads the tpacket_auxdata control message of a
// message received on an AF_PACKET socket and reports whether the kernel
// treats the frame's transport checksum as good without verifying it:
// TP_STATUS_CSUMNOTREADY (CHECKSUM_PARTIAL: a local sender left the
// checksum to offload, the field holds only the pseudo-header sum) or
// TP_STATUS_CSUM_VALID (already verified). False without the message.
bool PacketChecksumTrusted(const msghdr& msg);

// RecvPacketTrunc is recvmsg(2) of one message into `buf` with MSG_TRUNC |
// MSG_DONTWAIT and `control` for ancillary data (kPacketControlSize bytes):
// returns the frame's real length (which may exceed buf.size()) and sets
// *checksum_trusted from PacketChecksumTrusted.
Result<size_t> RecvPacketTrunc(int fd, std::span<uint8_t> buf,
                               std::span<uint8_t> control,
                               bool* checksum_trusted);

// PacketRxRingLayout is a TPACKET_V2 receive ring's shape: block_nr blocks
// of block_size bytes (a multiple of the page size), each holding
// block_size / frame_size frames of frame_size bytes (a multiple of
// TPACKET_ALIGNMENT); frame_nr is every frame.
struct PacketRxRingLayout {
  uint32_t block_size = 0;
  uint32_t block_nr = 0;
  uint32_t frame_size = 0;
  uint32_t frame_nr = 0;
};

// PacketRxRingMapping is a mapped receive ring: `size` bytes at `base`.
struct PacketRxRingMapping {
  uint8_t* base = nullptr;
  size_t size = 0;
};

// kTpacketV2DataOffset is where a TPACKET_V2 frame's network header lands
// for a link header of up to 16 bytes (tp_net, without tp_reserve or a
// virtio-net header): TPACKET_ALIGN(TPACKET2_HDRLEN + 16).
size_t TpacketV2DataOffset();

// SetupPacketRxRing switches fd to TPACKET_V2, configures PACKET_RX_RING
// with `layout` and maps it shared, read-write. A ring the socket already
// has but nobody maps (left by an earlier user) is removed first. Errors
// keep the kernel's errno (EBUSY: the socket's ring is still mapped;
// EINVAL: a layout the kernel refuses; ENOMEM). Nothing is left configured
// on failure.
Result<PacketRxRingMapping> SetupPacketRxRing(int fd,
                                              const PacketRxRingLayout& layout);

// TeardownPacketRxRing unmaps `mapping` and then removes fd's receive ring
// (PACKET_RX_RING with no blocks), so the socket receives through recv(2)
// again. fd may be -1 (only unmap). Failures are ignored: there is nothing
// a caller could do.
void TeardownPacketRxRing(int fd, PacketRxRingMapping mapping);

// TakePacketDrops reads and resets the socket's PACKET_STATISTICS and
// returns tp_drops: frames the kernel dropped since the last call (ring or
// receive queue full).
Result<uint64_t> TakePacketDrops(int fd);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_PACKET_SYS_H_
