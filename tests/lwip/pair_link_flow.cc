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

namespace {

// HasWindowScale says whether TCP `options` carry a window scale option.
bool HasWindowScale(std::span<const uint8_t> options) {
  for (size_t i = 0; i < options.size();) {
    const uint8_t kind = options[i];
    if (kind == 0) return false;  // End of options.
    if (kind == 1) {              // NOP.
      ++i;
      continue;
    }
    if (i + 1 >= options.size() || options[i + 1] < 2) return false;
    if (kind == 3) return true;
    i += options[i + 1];
  }
  return false;
}

}  // namespace

std::optional<uint32_t> Handshake(PairLink& link, bool window_scale) {
  std::vector<uint8_t> syn = Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 80,
                                        0x02, window_scale ? 4 : 0);
  if (window_scale) {
    const uint8_t ws[] = {1, 3, 3, 7};  // NOP, window scale: shift 7.
    std::copy(std::begin(ws), std::end(ws), syn.begin() + 40);
    header::MutableTcp t(std::span<uint8_t>(syn).subspan(20));
    t.SetDataOffset(24);
    t.SetChecksum(0);
    t.SetChecksum(header::TcpChecksum(V4("198.18.64.1"), V4("198.18.64.7"),
                                      std::span(syn).subspan(20)));
  }
  if (!sys::Write(link.peer.get(), syn)) return std::nullopt;
  pollfd p{link.peer.get(), POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) return std::nullopt;
  std::vector<uint8_t> b(2048);
  const ssize_t n = ::read(link.peer.get(), b.data(), b.size());
  if (n < 40) return std::nullopt;
  b.resize(static_cast<size_t>(n));
  const header::Tcp synack(std::span<const uint8_t>(b).subspan(20));
  if (HasWindowScale(synack.options()) != window_scale) return std::nullopt;
  const uint32_t next = synack.seq() + 1;
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
