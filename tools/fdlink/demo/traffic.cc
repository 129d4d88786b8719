#include "demo/traffic.h"

#include <stdexcept>

#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"

namespace fdlink::tool {
namespace {

using header::Ipv4Address;
using header::Ipv6Address;

template <typename T>
T Must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().ToString());
  return std::move(r).value();
}

// Fill writes the payload: the sequence number (big-endian), then a pattern.
void Fill(std::span<uint8_t> b, uint16_t seq) {
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seq + i);
  if (b.size() >= 2) {
    b[0] = static_cast<uint8_t>(seq >> 8);
    b[1] = static_cast<uint8_t>(seq);
  }
}

// L4 writes the transport part (ICMP echo or UDP) of a request into `l4`;
// `v6` selects ICMPv6 for echo. The checksum is filled in by the caller.
void L4(RequestKind kind, std::span<uint8_t> l4, uint16_t seq, uint16_t port) {
  if (kind == RequestKind::kUdpv4 || kind == RequestKind::kUdpv6) {
    header::MutableUdp u(l4);
    u.SetSrcPort(static_cast<uint16_t>(40000 + seq % 1000));
    u.SetDstPort(port);
    u.SetLength(static_cast<uint16_t>(l4.size()));
    Fill(l4.subspan(8), seq);
    return;
  }
  header::MutableIcmpv4 icmp(l4);  // ICMPv4 and v6 echo share the layout.
  icmp.SetType(kind == RequestKind::kIcmpv4Echo
                   ? header::icmpv4_type::kEchoRequest
                   : header::icmpv6_type::kEchoRequest);
  icmp.SetCode(0);
  icmp.SetIdent(0x4664);
  icmp.SetSequence(seq);
  Fill(l4.subspan(8), seq);
}

}  // namespace

std::vector<uint8_t> BuildRequest(const DemoAddresses& a, RequestKind kind,
                                  uint16_t seq, size_t payload) {
  const bool v6 =
      kind == RequestKind::kIcmpv6Echo || kind == RequestKind::kUdpv6;
  const bool udp = kind == RequestKind::kUdpv4 || kind == RequestKind::kUdpv6;
  const size_t ip_len = v6 ? 40 : 20;
  std::vector<uint8_t> b(ip_len + 8 + payload);
  std::span<uint8_t> l4 = std::span<uint8_t>(b).subspan(ip_len);
  L4(kind, l4, seq, a.udp_port);
  if (v6) {
    const Ipv6Address src = Must(Ipv6Address::Parse(a.peer6));
    const Ipv6Address dst = Must(Ipv6Address::Parse(a.ours6));
    header::MutableIpv6 ip{std::span<uint8_t>(b)};
    ip.SetVersion(6);
    ip.SetPayloadLength(static_cast<uint16_t>(l4.size()));
    ip.SetNextHeader(udp ? header::ip_proto::kUdp : header::ip_proto::kIcmpv6);
    ip.SetHopLimit(64);
    ip.SetSrc(src);
    ip.SetDst(dst);
    if (udp) {
      header::MutableUdp(l4).SetChecksum(header::UdpChecksum(src, dst, l4));
    } else {
      header::MutableIcmpv6(l4).SetChecksum(
          header::Icmpv6Checksum(src, dst, l4));
    }
  } else {
    const Ipv4Address src = Must(Ipv4Address::Parse(a.peer4));
    const Ipv4Address dst = Must(Ipv4Address::Parse(a.ours4));
    header::MutableIpv4 ip{std::span<uint8_t>(b)};
    ip.SetVersion(4);
    ip.SetHeaderLength(20);
    ip.SetTotalLength(static_cast<uint16_t>(b.size()));
    ip.SetId(seq);
    ip.SetTtl(64);
    ip.SetProtocol(udp ? header::ip_proto::kUdp : header::ip_proto::kIcmpv4);
    ip.SetSrc(src);
    ip.SetDst(dst);
    ip.SetChecksum(ip.CalculateChecksum());
    if (udp) {
      header::MutableUdp(l4).SetChecksum(header::UdpChecksum(src, dst, l4));
    } else {
      header::MutableIcmpv4(l4).SetChecksum(header::Icmpv4Checksum(l4));
    }
  }
  return b;
}

int ReplySequence(std::span<const uint8_t> reply) {
  if (reply.empty()) return -1;
  const size_t l4 = (reply[0] >> 4) == 4 ? size_t{(reply[0] & 0x0fu) * 4u} : 40;
  if (reply.size() < l4 + 10) return -1;
  return reply[l4 + 8] << 8 | reply[l4 + 9];
}

std::string CheckReply(std::span<const uint8_t> request,
                       std::span<const uint8_t> reply) {
  if (request.empty() || reply.empty()) return "empty packet";
  if ((request[0] >> 4) != (reply[0] >> 4)) return "IP version differs";
  std::span<const uint8_t> req_l4, rep_l4;
  uint8_t proto;
  if ((reply[0] >> 4) == 4) {
    auto q = header::Ipv4::Parse(request);
    auto r = header::Ipv4::Parse(reply);
    if (!r) return "reply: " + r.error().ToString();
    if (!r->IsChecksumValid()) return "reply: bad IPv4 header checksum";
    if (r->src() != q->dst() || r->dst() != q->src())
      return "reply: addresses not swapped";
    proto = r->protocol();
    req_l4 = q->payload();
    rep_l4 = r->payload();
    if (proto == header::ip_proto::kIcmpv4 &&
        !header::VerifyIcmpv4Checksum(rep_l4))
      return "reply: bad ICMPv4 checksum";
    if (proto == header::ip_proto::kUdp &&
        !header::VerifyUdpChecksum(r->src(), r->dst(), rep_l4))
      return "reply: bad UDP checksum";
  } else {
    auto q = header::Ipv6::Parse(request);
    auto r = header::Ipv6::Parse(reply);
    if (!r) return "reply: " + r.error().ToString();
    if (r->src() != q->dst() || r->dst() != q->src())
      return "reply: addresses not swapped";
    proto = r->next_header();
    req_l4 = q->payload();
    rep_l4 = r->payload();
    if (proto == header::ip_proto::kIcmpv6 &&
        !header::VerifyIcmpv6Checksum(r->src(), r->dst(), rep_l4))
      return "reply: bad ICMPv6 checksum";
    if (proto == header::ip_proto::kUdp &&
        !header::VerifyUdpChecksum(r->src(), r->dst(), rep_l4))
      return "reply: bad UDP checksum";
  }
  if (rep_l4.size() != req_l4.size()) return "reply: length differs";
  if (proto == header::ip_proto::kUdp) {
    header::Udp q(req_l4), r(rep_l4);
    if (r.src_port() != q.dst_port() || r.dst_port() != q.src_port())
      return "reply: UDP ports not swapped";
  } else {
    header::Icmpv4 q(req_l4), r(rep_l4);
    const uint8_t want = proto == header::ip_proto::kIcmpv4
                             ? header::icmpv4_type::kEchoReply
                             : header::icmpv6_type::kEchoReply;
    if (r.type() != want) return "reply: not an echo reply";
    if (r.ident() != q.ident() || r.sequence() != q.sequence())
      return "reply: echo ident/sequence differ";
  }
  if (!std::equal(req_l4.begin() + 8, req_l4.end(), rep_l4.begin() + 8))
    return "reply: payload differs";
  return "";
}

}  // namespace fdlink::tool
