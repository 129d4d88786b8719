#include "fdlink/link/fdbased/options.h"

#include "fdlink/offload/offload_bits.h"

namespace fdlink::fdbased {
namespace {
Error Bad(const char* what) { return Error{Errc::kInvalidArgument, 0, what}; }
}  // namespace

const char* DispatchModeName(PacketDispatchMode mode) {
  switch (mode) {
    case PacketDispatchMode::kRecvMMsg:
      return kDispatchModeNames[1];
    case PacketDispatchMode::kPacketMmap:
      return kDispatchModeNames[2];
    case PacketDispatchMode::kIoUring:
      return kDispatchModeNames[3];
    case PacketDispatchMode::kReadv:
      break;
  }
  return kDispatchModeNames[0];
}

Result<PacketDispatchMode> ParseDispatchMode(std::string_view name) {
  for (PacketDispatchMode m :
       {PacketDispatchMode::kReadv, PacketDispatchMode::kRecvMMsg,
        PacketDispatchMode::kPacketMmap, PacketDispatchMode::kIoUring}) {
    if (name == DispatchModeName(m)) return m;
  }
  return Bad(
      "fdbased: unknown dispatch mode; use readv, recvmmsg, packet_mmap or "
      "io_uring");
}

namespace {

// ValidateOffloadOptions checks Options.offload and how it meets GSO.
Result<void> ValidateOffloadOptions(const Options& o) {
  using offload::kTunFCsum, offload::kTunFTso4, offload::kTunFTso6,
      offload::kTunFUso4, offload::kTunFUso6;
  const OffloadOptions& f = o.offload;
  constexpr uint32_t kKnown =
      kTunFCsum | kTunFTso4 | kTunFTso6 | kTunFUso4 | kTunFUso6;
  if (f.kernel_offloads != 0 && !f.vnet_header)
    return Bad(
        "fdbased: Options.offload.kernel_offloads needs "
        "offload.vnet_header");
  if ((f.kernel_offloads & ~kKnown) != 0)
    return Bad(
        "fdbased: Options.offload.kernel_offloads holds unknown bits; use "
        "TUN_F_CSUM, TSO4, TSO6, USO4 and USO6 only");
  if ((f.kernel_offloads & (kTunFTso4 | kTunFTso6 | kTunFUso4 | kTunFUso6)) &&
      !(f.kernel_offloads & kTunFCsum))
    return Bad(
        "fdbased: Options.offload.kernel_offloads: TSO and USO bits need "
        "TUN_F_CSUM");
  if (((f.kernel_offloads & kTunFUso4) != 0) !=
      ((f.kernel_offloads & kTunFUso6) != 0))
    return Bad(
        "fdbased: Options.offload.kernel_offloads: USO4 and USO6 go "
        "together");
  if (o.gso_max_size > 0 && !o.software_gso && !f.vnet_header)
    return Bad(
        "fdbased: Options.gso_max_size without software_gso is host GSO and "
        "needs offload.vnet_header");
  return Ok();
}

}  // namespace

Result<void> ValidateOptions(const Options& o) {
  if (o.fds.empty())
    return Bad("fdbased: Options.fds is empty; pass at least one fd");
  for (int fd : o.fds) {
    if (fd < 0) return Bad("fdbased: Options.fds holds a negative fd");
  }
  for (size_t i = 0; i < o.fds.size(); ++i) {
    for (size_t j = i + 1; j < o.fds.size(); ++j) {
      if (o.fds[i] == o.fds[j])
        return Bad("fdbased: Options.fds lists the same fd twice");
    }
  }
  if (o.mtu == 0 || o.mtu > 65535)
    return Bad("fdbased: Options.mtu must be in 1..65535");
  if (o.ethernet_header && o.address.IsZero())
    return Bad(
        "fdbased: Options.ethernet_header needs a MAC: set Options.address "
        "to the link's unicast address (it is all zero)");
  if (o.ethernet_header && o.address.IsGroup())
    return Bad(
        "fdbased: Options.address must be a unicast MAC, not a group "
        "address");
  if (o.max_msgs_per_recv == 0 || o.max_msgs_per_recv > 64)
    return Bad("fdbased: Options.max_msgs_per_recv must be in 1..64");
  if (o.packet_mmap_frames != 0 &&
      (o.packet_mmap_frames < 16 ||
       o.packet_mmap_frames > kMaxPacketMmapFrames))
    return Bad(
        "fdbased: Options.packet_mmap_frames must be 0 (the default, 4096) "
        "or 16..262144");
  if (o.io_uring_buffers != 0 &&
      (o.io_uring_buffers < 16 || o.io_uring_buffers > kMaxIoUringBuffers ||
       (o.io_uring_buffers & (o.io_uring_buffers - 1)) != 0))
    return Bad(
        "fdbased: Options.io_uring_buffers must be 0 (the default, 1024) or "
        "a power of two in 16..32768");
  if (o.processors_per_channel > 64)
    return Bad("fdbased: Options.processors_per_channel must be 0..64");
  if (o.max_syscall_header_bytes < 0)
    return Bad(
        "fdbased: Options.max_syscall_header_bytes must not be negative");
  if (o.gso_max_size > 65536)
    return Bad("fdbased: Options.gso_max_size must be 0..65536");
  if (o.software_gso && o.gso_max_size == 0)
    return Bad("fdbased: Options.software_gso needs a non-zero gso_max_size");
  if (!o.is_packet_socket.empty() && o.is_packet_socket.size() != o.fds.size())
    return Bad("fdbased: Options.is_packet_socket must cover every fd");
  return ValidateOffloadOptions(o);
}

}  // namespace fdlink::fdbased
