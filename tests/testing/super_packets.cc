#include "testing/super_packets.h"

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"
#include "fdlink/header/virtio_net.h"
#include "testing/packets.h"

namespace fdlink::testing {
namespace {

header::Ipv4Address Src4() {
  return header::Ipv4Address::Parse("198.18.0.1").value();
}
header::Ipv4Address Dst4() {
  return header::Ipv4Address::Parse("198.19.0.2").value();
}
header::Ipv6Address Src6() {
  return header::Ipv6Address::Parse("2001:db8::1").value();
}
header::Ipv6Address Dst6() {
  return header::Ipv6Address::Parse("2001:db8::2").value();
}

}  // namespace

SuperPacket BuildSuperPacket(const SuperPacketSpec& s) {
  const size_t l3 =
      s.ipv6 ? header::kIpv6FixedHeaderSize : header::kIpv4MinimumSize;
  const size_t l4 =
      s.tcp ? header::kTcpMinimumSize + s.tcp_options : header::kUdpMinimumSize;
  SuperPacket sp;
  sp.bytes.assign(l3 + l4, 0);
  std::vector<uint8_t> payload = Pattern(s.payload, s.seed);
  sp.bytes.insert(sp.bytes.end(), payload.begin(), payload.end());
  std::span<uint8_t> b(sp.bytes);
  const uint8_t proto = s.tcp ? header::ip_proto::kTcp : header::ip_proto::kUdp;
  const size_t l4_len = l4 + s.payload;
  if (s.ipv6) {
    header::MutableIpv6 ip(b);
    ip.SetVersion(6);
    ip.SetPayloadLength(static_cast<uint16_t>(l4_len));
    ip.SetNextHeader(proto);
    ip.SetHopLimit(64);
    ip.SetSrc(Src6());
    ip.SetDst(Dst6());
  } else {
    header::MutableIpv4 ip(b);
    ip.SetVersion(4);
    ip.SetHeaderLength(l3);
    ip.SetTotalLength(static_cast<uint16_t>(l3 + l4_len));
    ip.SetId(s.ip_id);
    ip.SetDontFragment(true);
    ip.SetTtl(64);
    ip.SetProtocol(proto);
    ip.SetSrc(Src4());
    ip.SetDst(Dst4());
    ip.UpdateChecksum();
  }
  std::span<uint8_t> seg = b.subspan(l3);
  uint16_t pseudo;
  if (s.ipv6) {
    pseudo = header::PseudoHeaderChecksum(proto, Src6(), Dst6(),
                                          static_cast<uint32_t>(l4_len));
  } else {
    pseudo = header::PseudoHeaderChecksum(proto, Src4(), Dst4(),
                                          static_cast<uint16_t>(l4_len));
  }
  if (s.tcp) {
    header::MutableTcp t(seg);
    t.SetSrcPort(s.sport);
    t.SetDstPort(s.dport);
    t.SetSeq(s.seq);
    t.SetAck(0x12345678);
    t.SetDataOffset(l4);
    t.SetFlags(s.tcp_flags);
    t.SetWindow(65000);
    for (size_t i = header::kTcpMinimumSize; i < l4; ++i) seg[i] = 1;  // NOP
    if (s.partial) {
      t.SetChecksum(pseudo);
    } else {
      t.SetChecksum(s.ipv6 ? header::TcpChecksum(Src6(), Dst6(), seg)
                           : header::TcpChecksum(Src4(), Dst4(), seg));
    }
  } else {
    header::MutableUdp u(seg);
    u.SetSrcPort(s.sport);
    u.SetDstPort(s.dport);
    u.SetLength(static_cast<uint16_t>(l4_len));
    if (s.partial) {
      u.SetChecksum(pseudo);
    } else {
      u.SetChecksum(s.ipv6 ? header::UdpChecksum(Src6(), Dst6(), seg)
                           : header::UdpChecksum(Src4(), Dst4(), seg));
    }
  }
  sp.gso.type =
      s.tcp ? (s.ipv6 ? GSOType::kTCPv6 : GSOType::kTCPv4) : GSOType::kUDPL4;
  sp.gso.needs_csum = s.partial;
  sp.gso.csum_offset = static_cast<uint16_t>(
      s.tcp ? header::kTcpChecksumOffset : header::kUdpChecksumOffset);
  sp.gso.mss = s.mss;
  sp.gso.l3_header_len = static_cast<uint16_t>(l3);
  sp.gso.l4_header_len = static_cast<uint16_t>(l4);
  return sp;
}

std::array<uint8_t, 10> VnetHeaderFor(const SuperPacket& sp, bool partial,
                                      uint16_t link_header) {
  std::array<uint8_t, 10> h{};
  header::MutableVirtioNetHeader v{std::span<uint8_t>(h)};
  if (partial) {
    v.SetFlags(header::virtio_net::kFlagNeedsCsum);
    v.SetCsumStart(static_cast<uint16_t>(link_header + sp.gso.l3_header_len));
    v.SetCsumOffset(sp.gso.csum_offset);
  }
  switch (sp.gso.type) {
    case GSOType::kTCPv4:
      v.SetGsoType(header::virtio_net::kGsoTcpV4);
      break;
    case GSOType::kTCPv6:
      v.SetGsoType(header::virtio_net::kGsoTcpV6);
      break;
    case GSOType::kUDPL4:
      v.SetGsoType(header::virtio_net::kGsoUdpL4);
      break;
    case GSOType::kNone:
      break;
  }
  if (sp.gso.type != GSOType::kNone) {
    v.SetGsoSize(sp.gso.mss);
    v.SetHdrLen(static_cast<uint16_t>(link_header + sp.gso.l3_header_len +
                                      sp.gso.l4_header_len));
  }
  return h;
}

std::vector<uint8_t> Concat(std::span<const uint8_t> a,
                            std::span<const uint8_t> b) {
  std::vector<uint8_t> v(a.begin(), a.end());
  v.insert(v.end(), b.begin(), b.end());
  return v;
}

bool WireChecksumsValid(std::span<const uint8_t> net) {
  if (net.empty()) return false;
  auto verify = [](uint8_t proto, const auto& src, const auto& dst,
                   std::span<const uint8_t> l4) {
    if (proto == header::ip_proto::kTcp)
      return header::VerifyTcpChecksum(src, dst, l4);
    if (proto == header::ip_proto::kUdp)
      return header::VerifyUdpChecksum(src, dst, l4);
    return false;
  };
  if ((net[0] >> 4) == 4) {
    auto ip = header::Ipv4::Parse(net);
    if (!ip || !ip->IsChecksumValid()) return false;
    return verify(ip->protocol(), ip->src(), ip->dst(), ip->payload());
  }
  auto ip = header::Ipv6::Parse(net);
  if (!ip) return false;
  return verify(ip->next_header(), ip->src(), ip->dst(), ip->payload());
}

}  // namespace fdlink::testing
