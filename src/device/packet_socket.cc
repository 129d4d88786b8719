#include "fdlink/device/packet_socket.h"

#include <linux/if_packet.h>

#include <cerrno>

#include "fdlink/device/link_config.h"
#include "fdlink/sys/packet_sys.h"
#include "fdlink/sys/process.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::device {
namespace {

// kFanoutIgnoreOutgoing is PACKET_FANOUT_FLAG_IGNORE_OUTGOING (Linux 6.9+).
// Inside a fanout group the per-socket PACKET_IGNORE_OUTGOING no longer
// applies (the group's hook delivers), so the group needs this flag.
#ifdef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
constexpr uint16_t kFanoutIgnoreOutgoing = PACKET_FANOUT_FLAG_IGNORE_OUTGOING;
#else
constexpr uint16_t kFanoutIgnoreOutgoing = 0x4000;
#endif
// kPidIdTries is how many consecutive pid-derived ids are tried.
constexpr int kPidIdTries = 8;

// FanoutGroup is what the first socket created: the id, and the type and
// flags every later member must join with.
struct FanoutGroup {
  uint16_t id = 0;
  uint16_t type_flags = 0;
};

// OpenBound opens one socket, sizes its buffers, turns virtio-net headers
// on when asked, asks it to skip outgoing frames (reported through
// `ignores_outgoing`) and binds it to `ifindex`.
Result<UniqueFd> OpenBound(int ifindex, const PacketSocketOptions& options,
                           bool* ignores_outgoing) {
  Result<UniqueFd> fd = sys::OpenPacketSocket();
  if (!fd) return fd.error();
  if (Result<void> ok = sys::SetSocketBuffers(fd->get(), options.buffer_bytes);
      !ok)
    return ok.error();
  if (options.vnet_hdr) {
    if (Result<void> ok = sys::SetPacketVnetHdr(fd->get()); !ok) {
      if (ok.error().sys_errno == ENOPROTOOPT)
        return Error{Errc::kNotSupported, ENOPROTOOPT,
                     "setsockopt(PACKET_VNET_HDR)"};
      return ok.error();
    }
  }
  Result<void> ignore = sys::SetPacketIgnoreOutgoing(fd->get());
  if (!ignore && ignore.error().sys_errno != ENOPROTOOPT) return ignore.error();
  *ignores_outgoing = ignore.has_value();
  if (Result<void> ok = sys::BindPacketSocket(fd->get(), ifindex); !ok)
    return ok.error();
  return fd;
}

// IdTaken reports whether a join with a chosen id failed because that id
// names some other group in this namespace (another type, device or
// flags), so the next id is worth a try.
bool IdTaken(const Error& error) {
  return error.sys_errno == EADDRINUSE || error.sys_errno == EINVAL;
}

// CreateGroupWithPidIds joins `fd` to a new group whose id is derived from
// the process id, stepping past ids other groups already use.
Result<FanoutGroup> CreateGroupWithPidIds(int fd, uint16_t type_flags) {
  const auto base = static_cast<uint16_t>(sys::ProcessId());
  Error last{};
  for (int i = 0; i < kPidIdTries; ++i) {
    const auto id = static_cast<uint16_t>(base + i);
    Result<void> joined = sys::JoinPacketFanout(fd, id, type_flags);
    if (joined) return FanoutGroup{id, type_flags};
    last = joined.error();
    if (!IdTaken(last)) break;
  }
  return last;
}

// CreateGroup makes `fd` the first member of a new hash fanout group. It
// prefers a kernel-chosen id and the ignore-outgoing flag, and steps down
// to what older kernels accept.
Result<FanoutGroup> CreateGroup(int fd, bool kernel_id) {
  Error last{};
  for (uint16_t extra : {kFanoutIgnoreOutgoing, uint16_t{0}}) {
    const auto type_flags = static_cast<uint16_t>(PACKET_FANOUT_HASH | extra);
    if (kernel_id) {
      Result<void> joined = sys::JoinPacketFanout(
          fd, 0,
          static_cast<uint16_t>(type_flags | PACKET_FANOUT_FLAG_UNIQUEID));
      if (joined) {
        Result<uint16_t> id = sys::PacketFanoutId(fd);
        if (!id) return id.error();
        return FanoutGroup{*id, type_flags};
      }
      last = joined.error();
    }
    Result<FanoutGroup> group = CreateGroupWithPidIds(fd, type_flags);
    if (group) return group;
    last = group.error();
    if (last.sys_errno != EINVAL) break;  // Not a flag this kernel lacks.
  }
  return last;
}

}  // namespace

std::vector<int> PacketSockets::borrowed_fds() const {
  std::vector<int> out;
  out.reserve(fds.size());
  for (const UniqueFd& fd : fds) out.push_back(fd.get());
  return out;
}

Result<PacketSockets> OpenPacketSockets(std::string_view ifname, int count) {
  return OpenPacketSockets(ifname, count, PacketSocketOptions{});
}

Result<PacketSockets> OpenPacketSockets(std::string_view ifname, int count,
                                        const PacketSocketOptions& options) {
  if (count < 1)
    return Error{Errc::kInvalidArgument, EINVAL,
                 "OpenPacketSockets: count must be at least 1"};
  Result<int> ifindex = InterfaceIndex(ifname);
  if (!ifindex) return ifindex.error();

  PacketSockets out;
  out.ifindex = *ifindex;
  out.vnet_hdr = options.vnet_hdr;
  bool socket_ignores = false;
  FanoutGroup group;
  for (int i = 0; i < count; ++i) {
    Result<UniqueFd> fd = OpenBound(out.ifindex, options, &socket_ignores);
    if (!fd) return fd.error();
    if (count > 1) {
      if (i == 0) {
        Result<FanoutGroup> created =
            CreateGroup(fd->get(), options.kernel_fanout_id);
        if (!created) return created.error();
        group = *created;
      } else if (Result<void> joined = sys::JoinPacketFanout(
                     fd->get(), group.id, group.type_flags);
                 !joined) {
        return joined.error();
      }
    }
    out.fds.push_back(std::move(*fd));
  }
  if (count > 1) {
    out.fanout_id = group.id;
    out.ignores_outgoing = (group.type_flags & kFanoutIgnoreOutgoing) != 0;
  } else {
    out.ignores_outgoing = socket_ignores;
  }
  return out;
}

}  // namespace fdlink::device
