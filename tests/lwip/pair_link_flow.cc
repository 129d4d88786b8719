#include "lwip/pair_link_flow.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "fdlink/header/checksum.h"
#include "fdlink/header/tcp.h"
#include "fdlink/sys/syscalls.h"
#include "lwip/lwip_test_packets.h"

namespace fdlink::lwip {

PacketBufferPtr Packet(std::span<const uint8_t> ip) {
  PacketBufferOptions o;
  o.payload = ip;
  PacketBufferPtr p = PacketBuffer::Create(o);
  p->set_network_protocol((!ip.empty() && (ip[0] >> 4) == 6)
                              ? kIPv6ProtocolNumber
                              : kIPv4ProtocolNumber);
  return p;
}

std::vector<std::vector<uint8_t>> ReadAll(const UniqueFd& peer, int quiet_ms) {
  std::vector<std::vector<uint8_t>> out;
  for (;;) {
    pollfd p{peer.get(), POLLIN, 0};
    if (::poll(&p, 1, quiet_ms) != 1) return out;
    std::vector<uint8_t> b(65536);
    const ssize_t n = ::read(peer.get(), b.data(), b.size());
    if (n <= 0) return out;
    b.resize(static_cast<size_t>(n));
    out.push_back(std::move(b));
  }
}

std::optional<uint32_t> Handshake(PairLink& link) {
  if (!sys::Write(link.peer.get(), Tcp4Packet("198.18.64.1", 40000,
                                              "198.18.64.7", 80, 0x02, 0))) {
    return std::nullopt;
  }
  pollfd p{link.peer.get(), POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) return std::nullopt;
  std::vector<uint8_t> b(2048);
  const ssize_t n = ::read(link.peer.get(), b.data(), b.size());
  if (n < 40) return std::nullopt;
  const uint32_t next = header::Tcp(std::span(b).subspan(20)).seq() + 1;
  std::vector<uint8_t> ack =
      Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 80, 0x10, 0);
  header::MutableTcp t(std::span<uint8_t>(ack).subspan(20));
  t.SetSeq(0xdeadbeef + 1);
  t.SetAck(next);
  t.SetChecksum(0);
  t.SetChecksum(header::TcpChecksum(V4("198.18.64.1"), V4("198.18.64.7"),
                                    std::span(ack).subspan(20)));
  if (!sys::Write(link.peer.get(), ack)) return std::nullopt;
  return next;
}

std::vector<uint8_t> DataSeg(size_t off, std::span<const uint8_t> payload,
                             uint32_t ack) {
  std::vector<uint8_t> b =
      Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 80, 0x18, payload.size());
  std::copy(payload.begin(), payload.end(), b.begin() + 40);
  header::MutableTcp t(std::span<uint8_t>(b).subspan(20));
  t.SetSeq(static_cast<uint32_t>(0xdeadbeef + 1 + off));
  t.SetAck(ack);
  t.SetChecksum(0);
  t.SetChecksum(header::TcpChecksum(V4("198.18.64.1"), V4("198.18.64.7"),
                                    std::span(b).subspan(20)));
  return b;
}

}  // namespace fdlink::lwip
