#include "fdlink/sys/packet_sys.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "sys/retry_on_eintr.h"

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

Result<void> SetPacketVnetHdr(int fd) {
  int one = 1;
  if (::setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
    return Error::FromErrno(errno, "setsockopt(PACKET_VNET_HDR)");
  return Ok();
}

Result<void> SetPacketAuxdata(int fd) {
  int one = 1;
  if (::setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
    return Error::FromErrno(errno, "setsockopt(PACKET_AUXDATA)");
  return Ok();
}

static_assert(CMSG_SPACE(sizeof(tpacket_auxdata)) <= kPacketControlSize);

bool PacketChecksumTrusted(const msghdr& msg) {
  for (const cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
        c->cmsg_len < CMSG_LEN(sizeof(tpacket_auxdata))) {
      continue;
    }
    tpacket_auxdata aux;
    std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
    return (aux.tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) !=
           0;
  }
  return false;
}

Result<size_t> RecvPacketTrunc(int fd, std::span<uint8_t> buf,
                               std::span<uint8_t> control,
                               bool* checksum_trusted) {
  iovec iov{buf.data(), buf.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control.data();
  m.msg_controllen = control.size();
  const auto n =
      RetryOnEintr([&] { return ::recvmsg(fd, &m, MSG_TRUNC | MSG_DONTWAIT); });
  if (n < 0) return Error::FromErrno(errno, "recvmsg");
  *checksum_trusted = PacketChecksumTrusted(m);
  return static_cast<size_t>(n);
}

namespace {

Result<void> SetRxRing(int fd, const PacketRxRingLayout& l) {
  tpacket_req req;
  std::memset(&req, 0, sizeof(req));
  req.tp_block_size = l.block_size;
  req.tp_block_nr = l.block_nr;
  req.tp_frame_size = l.frame_size;
  req.tp_frame_nr = l.frame_nr;
  if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
    return Error::FromErrno(errno, "setsockopt(PACKET_RX_RING)");
  return Ok();
}

}  // namespace

size_t TpacketV2DataOffset() { return TPACKET_ALIGN(TPACKET2_HDRLEN + 16); }

Result<PacketRxRingMapping> SetupPacketRxRing(
    int fd, const PacketRxRingLayout& layout) {
  // An unmapped ring left on the socket blocks both options below.
  (void)SetRxRing(fd, PacketRxRingLayout{});
  int version = TPACKET_V2;
  if (::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) <
      0)
    return Error::FromErrno(errno, "setsockopt(PACKET_VERSION, TPACKET_V2)");
  if (Result<void> r = SetRxRing(fd, layout); !r) return r.error();
  const size_t size = static_cast<size_t>(layout.block_size) * layout.block_nr;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    (void)SetRxRing(fd, PacketRxRingLayout{});
    return Error::FromErrno(err, "mmap(PACKET_RX_RING)");
  }
  return PacketRxRingMapping{static_cast<uint8_t*>(p), size};
}

void TeardownPacketRxRing(int fd, PacketRxRingMapping mapping) {
  if (mapping.base != nullptr) (void)::munmap(mapping.base, mapping.size);
  if (fd >= 0) (void)SetRxRing(fd, PacketRxRingLayout{});
}

Result<uint64_t> TakePacketDrops(int fd) {
  tpacket_stats st;
  std::memset(&st, 0, sizeof(st));
  socklen_t len = sizeof(st);
  if (::getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
    return Error::FromErrno(errno, "getsockopt(PACKET_STATISTICS)");
  return uint64_t{st.tp_drops};
}

}  // namespace fdlink::sys
