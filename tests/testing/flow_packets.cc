#include "testing/flow_packets.h"

#include <algorithm>
#include <cstdlib>

#include "fdlink/header/bytes.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"

namespace fdlink::testing {
namespace {

using header::Ipv4Address;
using header::Ipv6Address;

Ipv4Address V4(uint8_t host) {
  return Ipv4Address::FromBytes(std::array<uint8_t, 4>{198, 18, 0, host});
}
Ipv6Address V6(uint8_t host) {
  std::array<uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  b[15] = host;
  return Ipv6Address::FromBytes(b);
}

// FillL4Checksum stores the right TCP or UDP checksum of `l4` for a packet
// whose IP header is at the front of `pkt`.
void FillL4Checksum(std::span<uint8_t> pkt, size_t l3, bool udp) {
  std::span<uint8_t> l4 = pkt.subspan(l3);
  const size_t off =
      udp ? header::kUdpChecksumOffset : header::kTcpChecksumOffset;
  header::StoreBe16(l4, off, 0);
  uint16_t c;
  if ((pkt[0] >> 4) == 4) {
    header::Ipv4 ip(pkt);
    c = udp ? header::UdpChecksum(ip.src(), ip.dst(), l4)
            : header::TcpChecksum(ip.src(), ip.dst(), l4);
  } else {
    header::Ipv6 ip(pkt);
    c = udp ? header::UdpChecksum(ip.src(), ip.dst(), l4)
            : header::TcpChecksum(ip.src(), ip.dst(), l4);
  }
  header::StoreBe16(l4, off, c);
}

}  // namespace

std::vector<uint8_t> BuildSegment(const SegmentSpec& s) {
  const size_t l3 = s.version == 4 ? 20 + s.ip_options.size() : 40;
  const size_t l4 = s.udp ? 8 : 20 + s.tcp_options.size();
  std::vector<uint8_t> b(l3 + l4 + s.payload.size());
  std::copy(s.payload.begin(), s.payload.end(), b.begin() + l3 + l4);
  const uint8_t proto = s.udp ? header::ip_proto::kUdp : header::ip_proto::kTcp;
  if (s.version == 4) {
    header::MutableIpv4 ip(b);
    ip.SetVersion(4);
    ip.SetHeaderLength(l3);
    std::copy(s.ip_options.begin(), s.ip_options.end(), b.begin() + 20);
    ip.SetTos(s.tos);
    ip.SetTotalLength(static_cast<uint16_t>(b.size()));
    ip.SetId(s.ip_id);
    ip.SetDontFragment(s.dont_fragment);
    ip.SetMoreFragments(s.more_fragments);
    ip.SetFragmentOffset(s.fragment_offset);
    ip.SetTtl(s.ttl);
    ip.SetProtocol(proto);
    ip.SetSrc(V4(s.src_host));
    ip.SetDst(V4(s.dst_host));
    ip.UpdateChecksum();
  } else {
    header::MutableIpv6 ip(b);
    ip.SetVersion(6);
    ip.SetTrafficClass(s.tos);
    ip.SetPayloadLength(static_cast<uint16_t>(b.size() - 40));
    ip.SetNextHeader(proto);
    ip.SetHopLimit(s.ttl);
    ip.SetSrc(V6(s.src_host));
    ip.SetDst(V6(s.dst_host));
  }
  std::span<uint8_t> seg = std::span(b).subspan(l3);
  if (s.udp) {
    header::MutableUdp u(seg);
    u.SetSrcPort(s.sport);
    u.SetDstPort(s.dport);
    u.SetLength(static_cast<uint16_t>(seg.size()));
  } else {
    header::MutableTcp t(seg);
    t.SetSrcPort(s.sport);
    t.SetDstPort(s.dport);
    t.SetSeq(s.seq);
    t.SetAck(s.ack);
    t.SetDataOffset(l4);
    t.SetFlags(s.flags);
    t.SetWindow(65535);
    std::copy(s.tcp_options.begin(), s.tcp_options.end(), seg.begin() + 20);
  }
  FillL4Checksum(b, l3, s.udp);
  if (s.bad_l4_checksum) b[l3 + (s.udp ? 6 : 16)] ^= 0x5a;
  return b;
}

PacketBufferPtr ToPacket(const std::vector<uint8_t>& bytes, size_t headroom) {
  return PacketBuffer::Create(
      {.reserve_header_bytes = headroom, .payload = bytes});
}

std::vector<uint8_t> StreamBytes(uint32_t flow, uint32_t offset, size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t x = (offset + static_cast<uint32_t>(i)) * 2654435761u;
    v[i] = static_cast<uint8_t>((x >> 24) ^ (flow * 31));
  }
  return v;
}

std::vector<std::vector<uint8_t>> SplitByHand(std::vector<uint8_t> super,
                                              const GSOOptions& gso) {
  const size_t l3 = gso.l3_header_len;
  const size_t hdr = l3 + gso.l4_header_len;
  if (!gso.needs_csum || gso.mss == 0 || super.size() <= hdr) return {};
  const bool udp = gso.type == GSOType::kUDPL4;
  // Complete the partial checksum and check the whole super-packet with it.
  std::span<uint8_t> l4 = std::span(super).subspan(l3);
  header::StoreBe16(l4, gso.csum_offset,
                    static_cast<uint16_t>(~header::Checksum(l4)));
  const bool v4 = (super[0] >> 4) == 4;
  bool ok;
  if (v4) {
    header::Ipv4 ip(super);
    ok = ip.IsChecksumValid() && ip.total_length() == super.size() &&
         (udp ? header::VerifyUdpChecksum(ip.src(), ip.dst(), l4)
              : header::VerifyTcpChecksum(ip.src(), ip.dst(), l4));
  } else {
    header::Ipv6 ip(super);
    ok = ip.payload_length() + 40u == super.size() &&
         (udp ? header::VerifyUdpChecksum(ip.src(), ip.dst(), l4)
              : header::VerifyTcpChecksum(ip.src(), ip.dst(), l4));
  }
  if (!ok) return {};

  std::vector<std::vector<uint8_t>> out;
  const size_t payload = super.size() - hdr;
  const uint8_t tcp_flags = udp ? 0 : super[l3 + 13];
  for (size_t off = 0, i = 0; off < payload; off += gso.mss, ++i) {
    const size_t n = std::min<size_t>(gso.mss, payload - off);
    std::vector<uint8_t> p(super.begin(), super.begin() + hdr);
    p.insert(p.end(), super.begin() + hdr + off, super.begin() + hdr + off + n);
    const bool last = off + n == payload;
    if (v4) {
      header::MutableIpv4 ip(p);
      ip.SetTotalLength(static_cast<uint16_t>(p.size()));
      ip.SetId(static_cast<uint16_t>(header::Ipv4(super).id() + i));
      ip.UpdateChecksum();
    } else {
      header::MutableIpv6(p).SetPayloadLength(
          static_cast<uint16_t>(p.size() - 40));
    }
    std::span<uint8_t> seg = std::span(p).subspan(l3);
    if (udp) {
      header::MutableUdp(seg).SetLength(static_cast<uint16_t>(seg.size()));
    } else {
      header::MutableTcp t(seg);
      t.SetSeq(header::Tcp(l4).seq() + static_cast<uint32_t>(off));
      t.SetFlags(
          last ? tcp_flags
               : static_cast<uint8_t>(tcp_flags & ~(header::tcp_flag::kPsh |
                                                    header::tcp_flag::kFin)));
    }
    FillL4Checksum(p, l3, udp);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace fdlink::testing
