#include "fdlink/sys/packet_sys.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace fdlink::sys {

Result<UniqueFd> OpenPacketSocket() {
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::FromErrno(errno, "socket(AF_PACKET)");
  return UniqueFd(fd);
}

Result<void> BindPacketSocket(int fd, int ifindex) {
  sockaddr_ll sll;
  std::memset(&sll, 0, sizeof(sll));
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sll), sizeof(sll)) < 0)
    return Error::FromErrno(errno, "bind(AF_PACKET)");
  return Ok();
}

Result<void> JoinPacketFanout(int fd, uint16_t id, uint16_t type_flags) {
  uint32_t arg =
      static_cast<uint32_t>(id) | (static_cast<uint32_t>(type_flags) << 16);
  if (::setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0)
    return Error::FromErrno(errno, "setsockopt(PACKET_FANOUT)");
  return Ok();
}

Result<uint16_t> PacketFanoutId(int fd) {
  uint32_t arg = 0;
  socklen_t len = sizeof(arg);
  if (::getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0)
    return Error::FromErrno(errno, "getsockopt(PACKET_FANOUT)");
  return static_cast<uint16_t>(arg & 0xffff);
}

Result<void> SetPacketIgnoreOutgoing(int fd) {
#ifdef PACKET_IGNORE_OUTGOING
  int one = 1;
  if (::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) <
      0)
    return Error::FromErrno(errno, "setsockopt(PACKET_IGNORE_OUTGOING)");
  return Ok();
#else
  // Built against headers older than Linux 4.20: report it like the kernel.
  (void)fd;
  return Error::FromErrno(ENOPROTOOPT, "setsockopt(PACKET_IGNORE_OUTGOING)");
#endif
}

}  // namespace fdlink::sys
