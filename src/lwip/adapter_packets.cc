#include "lwip/adapter_packets.h"

#include <algorithm>

#include "fdlink/header/builder.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"

namespace fdlink::lwip {

namespace {

constexpr uint8_t kRstAck = 0x14;
constexpr uint8_t kHopLimit = 64;

header::Ipv4Address V4Of(const FlowAddr& a) {
  return header::Ipv4Address::FromBytes(
      std::span<const uint8_t, 4>(a.ip.data(), 4));
}

header::Ipv6Address V6Of(const FlowAddr& a) {
  return header::Ipv6Address::FromBytes(
      std::span<const uint8_t, 16>(a.ip.data(), 16));
}

// WriteResetTcp fills the 20-byte TCP header of an RST|ACK.
void WriteResetTcp(std::span<uint8_t> tcp, const FlowAddr& from,
                   const FlowAddr& to, uint32_t ack) {
  std::fill(tcp.begin(), tcp.end(), 0);
  header::MutableTcp t(tcp);
  t.SetSrcPort(from.port);
  t.SetDstPort(to.port);
  t.SetSeq(0);
  t.SetAck(ack);
  t.SetDataOffset(header::kTcpMinimumSize);
  t.SetFlags(kRstAck);
  t.SetWindow(0);
}

// SwapBytes exchanges the n bytes at a and b of `ip`.
void SwapBytes(std::span<uint8_t> ip, size_t a, size_t b, size_t n) {
  std::swap_ranges(ip.begin() + a, ip.begin() + a + n, ip.begin() + b);
}

EchoVerdict Echo4(std::span<uint8_t> ip) {
  Result<header::MutableIpv4> h = header::MutableIpv4::Parse(ip);
  if (!h || h->protocol() != header::ip_proto::kIcmpv4) {
    return EchoVerdict::kNotEcho;
  }
  std::span<uint8_t> msg = h->payload();
  if (msg.empty() || msg[0] != header::icmpv4_type::kEchoRequest) {
    return EchoVerdict::kNotEcho;
  }
  if (h->IsFragment() || msg.size() < 8 || msg[1] != 0 ||
      !h->IsChecksumValid() || !header::VerifyIcmpv4Checksum(msg)) {
    return EchoVerdict::kBad;
  }
  SwapBytes(ip, 12, 16, 4);
  h->SetTtl(kHopLimit);
  h->UpdateChecksum();
  header::MutableIcmpv4 echo(msg);
  echo.SetType(header::icmpv4_type::kEchoReply);
  echo.SetChecksum(header::Icmpv4Checksum(msg));
  return EchoVerdict::kReplied;
}

EchoVerdict Echo6(std::span<uint8_t> ip) {
  Result<header::MutableIpv6> h = header::MutableIpv6::Parse(ip);
  if (!h || h->next_header() != header::ip_proto::kIcmpv6) {
    return EchoVerdict::kNotEcho;
  }
  std::span<uint8_t> msg = h->payload();
  if (msg.empty() || msg[0] != header::icmpv6_type::kEchoRequest) {
    return EchoVerdict::kNotEcho;
  }
  if (msg.size() < 8 || msg[1] != 0 ||
      !header::VerifyIcmpv6Checksum(h->src(), h->dst(), msg)) {
    return EchoVerdict::kBad;
  }
  SwapBytes(ip, 8, 24, 16);
  h->SetHopLimit(kHopLimit);
  header::MutableIcmpv6 echo(msg);
  echo.SetType(header::icmpv6_type::kEchoReply);
  echo.SetChecksum(header::Icmpv6Checksum(h->src(), h->dst(), msg));
  return EchoVerdict::kReplied;
}

}  // namespace

Result<size_t> WriteTcpReset(std::span<uint8_t> out, const FlowAddr& from,
                             const FlowAddr& to, uint32_t ack) {
  const size_t ip_len =
      from.v6 ? header::kIpv6FixedHeaderSize : size_t{header::kIpv4MinimumSize};
  const size_t size = ip_len + header::kTcpMinimumSize;
  if (from.v6 != to.v6 || out.size() < size) {
    return Error{Errc::kInvalidArgument, 0, "lwip: RST families or size"};
  }
  std::span<uint8_t> pkt = out.first(size);
  std::fill(pkt.begin(), pkt.end(), 0);
  std::span<uint8_t> tcp = pkt.subspan(ip_len);
  WriteResetTcp(tcp, from, to, ack);
  header::MutableTcp t(tcp);
  if (from.v6) {
    header::MutableIpv6 ip(pkt);
    ip.SetVersion(6);
    ip.SetPayloadLength(header::kTcpMinimumSize);
    ip.SetNextHeader(header::ip_proto::kTcp);
    ip.SetHopLimit(kHopLimit);
    ip.SetSrc(V6Of(from));
    ip.SetDst(V6Of(to));
    t.SetChecksum(header::TcpChecksum(V6Of(from), V6Of(to), tcp));
  } else {
    header::MutableIpv4 ip(pkt);
    ip.SetVersion(4);
    ip.SetHeaderLength(header::kIpv4MinimumSize);
    ip.SetTotalLength(static_cast<uint16_t>(size));
    ip.SetDontFragment(true);
    ip.SetTtl(kHopLimit);
    ip.SetProtocol(header::ip_proto::kTcp);
    ip.SetSrc(V4Of(from));
    ip.SetDst(V4Of(to));
    ip.UpdateChecksum();
    t.SetChecksum(header::TcpChecksum(V4Of(from), V4Of(to), tcp));
  }
  return size;
}

Result<void> WriteUdpHeaders(std::span<uint8_t> packet, const FlowAddr& from,
                             const FlowAddr& to) {
  if (from.v6 != to.v6) {
    return Error{Errc::kInvalidArgument, 0, "lwip: UDP address families"};
  }
  const header::UdpPorts ports{from.port, to.port};
  if (from.v6) {
    return header::WriteIpv6Udp(packet, V6Of(from), V6Of(to), ports);
  }
  return header::WriteIpv4Udp(packet, V4Of(from), V4Of(to), ports);
}

uint32_t TcpSeq(std::span<const uint8_t> ip, const ParsedFlow& flow) {
  return header::Tcp(ip.subspan(flow.l4_offset)).seq();
}

std::optional<std::span<const uint8_t>> UdpPayload(std::span<const uint8_t> ip,
                                                   const ParsedFlow& flow) {
  // ParseFlow checked 8 <= length <= the IP payload; the checksum covers
  // exactly `length` bytes.
  std::span<const uint8_t> l4;
  bool ok = false;
  if (flow.key.src.v6) {
    header::Ipv6 h(ip);
    l4 = h.payload();
    l4 = l4.first(header::Udp(l4).length());
    ok = header::VerifyUdpChecksum(h.src(), h.dst(), l4);
  } else {
    header::Ipv4 h(ip);
    l4 = h.payload();
    l4 = l4.first(header::Udp(l4).length());
    ok = h.IsChecksumValid() && header::VerifyUdpChecksum(h.src(), h.dst(), l4);
  }
  if (!ok) return std::nullopt;
  return l4.subspan(header::kUdpMinimumSize);
}

bool IsUdpFragment(std::span<const uint8_t> ip) {
  if (ip.empty()) return false;
  if ((ip[0] >> 4) == 4) {
    Result<header::Ipv4> h = header::Ipv4::Parse(ip);
    return h && h->IsFragment() && h->protocol() == header::ip_proto::kUdp;
  }
  if ((ip[0] >> 4) == 6) {
    Result<header::Ipv6> h = header::Ipv6::Parse(ip);
    return h && h->next_header() == header::ip_proto::kIpv6Fragment;
  }
  return false;
}

EchoVerdict TurnEchoIntoReply(std::span<uint8_t> ip) {
  if (ip.empty()) return EchoVerdict::kNotEcho;
  if ((ip[0] >> 4) == 4) return Echo4(ip);
  if ((ip[0] >> 4) == 6) return Echo6(ip);
  return EchoVerdict::kNotEcho;
}

}  // namespace fdlink::lwip
