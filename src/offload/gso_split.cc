#include "fdlink/offload/gso_split.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "fdlink/header/bytes.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ipv6_extensions.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"

namespace fdlink::offload {
namespace {

// kMaxHeaderBytes bounds link + IP + L4 headers of a super-packet that can
// be split (they are copied to the stack once per split).
constexpr size_t kMaxHeaderBytes = 512;
constexpr size_t kMaxIpPacket = 65535;

Error Malformed(const char* what) { return Error{Errc::kMalformed, 0, what}; }

// CopyOut copies dst.size() bytes of `pkt` starting `off` bytes after its
// headroom into dst. The caller has checked the range.
void CopyOut(const PacketBuffer& pkt, size_t off, std::span<uint8_t> dst) {
  size_t pos = 0;
  size_t done = 0;
  pkt.ForEachSlice([&](std::span<const uint8_t> s) {
    const size_t end = pos + s.size();
    if (done < dst.size() && end > off + done) {
      const size_t start = off + done - pos;
      const size_t take = std::min(s.size() - start, dst.size() - done);
      std::memcpy(dst.data() + done, s.data() + start, take);
      done += take;
    }
    pos = end;
  });
}

// Layout is a validated super-packet: where its headers end and how its
// payload divides.
struct Layout {
  size_t link = 0;  // Link header bytes in front of the IP header.
  size_t l3 = 0;
  size_t l4 = 0;
  size_t payload = 0;  // L4 payload bytes of the whole super-packet.
  size_t mss = 0;
  size_t segments = 0;
  bool ipv6 = false;
  bool tcp = false;
};

size_t Segments(size_t payload, size_t mss) {
  return payload <= mss ? 1 : (payload + mss - 1) / mss;
}

// InspectHeaders checks GSO options `g` against the IP and L4 headers at
// the front of `ip` (which holds at least l3 + l4 header bytes) of an IP
// packet of `net_size` bytes, and returns the layout (link left 0).
Result<Layout> InspectHeaders(std::span<const uint8_t> ip, size_t net_size,
                              const GSOOptions& g) {
  Layout l;
  l.l3 = g.l3_header_len;
  l.l4 = g.l4_header_len;
  l.mss = g.mss;
  l.tcp = g.type == GSOType::kTCPv4 || g.type == GSOType::kTCPv6;
  if (g.type == GSOType::kNone) return Malformed("gso: no GSO type");
  if (l.mss == 0) return Malformed("gso: mss is 0");
  if (l.l3 + l.l4 + l.mss > kMaxIpPacket) return Malformed("gso: mss too big");
  if (net_size < l.l3 + l.l4 || ip.size() < l.l3 + l.l4)
    return Malformed("gso: packet shorter than headers");
  ip = ip.first(l.l3 + l.l4);
  if (ip.empty()) return Malformed("gso: no IP header");
  const uint8_t version = ip[0] >> 4;
  uint8_t protocol = 0;
  if (version == header::kIpv4Version) {
    if (g.type == GSOType::kTCPv6) return Malformed("gso: TCPv6 over IPv4");
    if (l.l3 < header::kIpv4MinimumSize) return Malformed("gso: short IPv4");
    header::Ipv4 v4(ip);
    if (v4.header_length() != l.l3)
      return Malformed("gso: l3_header_len is not IHL");
    if (v4.total_length() != net_size)
      return Malformed("gso: IPv4 total length is not the packet's");
    if (v4.IsFragment()) return Malformed("gso: IPv4 fragment");
    protocol = v4.protocol();
  } else if (version == header::kIpv6Version) {
    if (g.type == GSOType::kTCPv4) return Malformed("gso: TCPv4 over IPv6");
    if (l.l3 < header::kIpv6FixedHeaderSize)
      return Malformed("gso: short IPv6");
    header::Ipv6 v6(ip.first(l.l3));
    if (size_t{v6.payload_length()} + header::kIpv6FixedHeaderSize != net_size)
      return Malformed("gso: IPv6 payload length is not the packet's");
    Result<header::Ipv6TransportInfo> t = header::FindIpv6Transport(v6);
    if (!t) return t.error();
    if (t->fragment) return Malformed("gso: IPv6 fragment");
    if (t->offset != l.l3)
      return Malformed("gso: l3_header_len is not the transport offset");
    protocol = t->protocol;
    l.ipv6 = true;
  } else {
    return Malformed("gso: not IP");
  }
  std::span<const uint8_t> l4 = ip.subspan(l.l3);
  if (l.tcp) {
    if (protocol != header::ip_proto::kTcp)
      return Malformed("gso: TCP type, other protocol");
    if (l.l4 < header::kTcpMinimumSize) return Malformed("gso: short TCP");
    if (header::Tcp(l4).data_offset() != l.l4)
      return Malformed("gso: l4_header_len is not the TCP data offset");
    if (g.needs_csum && g.csum_offset != header::kTcpChecksumOffset)
      return Malformed("gso: TCP csum_offset");
  } else {
    if (protocol != header::ip_proto::kUdp)
      return Malformed("gso: UDP type, other protocol");
    if (l.l4 != header::kUdpMinimumSize)
      return Malformed("gso: l4_header_len is not 8 for UDP");
    if (g.needs_csum && g.csum_offset != header::kUdpChecksumOffset)
      return Malformed("gso: UDP csum_offset");
  }
  l.payload = net_size - l.l3 - l.l4;
  l.segments = Segments(l.payload, l.mss);
  return l;
}

// Inspect is InspectHeaders for pkt (whose headers it copies into `hdr`,
// which must hold kMaxHeaderBytes).
Result<Layout> Inspect(const PacketBuffer& pkt, std::span<uint8_t> hdr) {
  const GSOOptions& g = pkt.gso_options();
  const size_t link = pkt.LinkHeaderSize();
  const size_t headers = link + g.l3_header_len + g.l4_header_len;
  if (headers > kMaxHeaderBytes) return Malformed("gso: headers too long");
  if (pkt.Size() < headers)
    return Malformed("gso: packet shorter than headers");
  CopyOut(pkt, 0, hdr.first(headers));
  Result<Layout> l =
      InspectHeaders(hdr.subspan(link, headers - link), pkt.Size() - link, g);
  if (l) l->link = link;
  return l;
}

template <typename Address>
uint16_t L4Checksum(bool tcp, const Address& src, const Address& dst,
                    std::span<const uint8_t> l4) {
  return tcp ? header::TcpChecksum(src, dst, l4)
             : header::UdpChecksum(src, dst, l4);
}

// SegmentChecksum is the L4 checksum field value for segment `l4` of the
// IP packet `net` (the field's contents are ignored).
uint16_t SegmentChecksum(const Layout& l, std::span<const uint8_t> net,
                         std::span<const uint8_t> l4) {
  if (l.ipv6) {
    header::Ipv6 v6(net);
    return L4Checksum(l.tcp, v6.src(), v6.dst(), l4);
  }
  header::Ipv4 v4(net);
  return L4Checksum(l.tcp, v4.src(), v4.dst(), l4);
}

// FixSegment rewrites the IP and L4 headers of segment `i` (network packet
// `net`, payload `seg_payload` bytes) and computes its checksums.
void FixSegment(const Layout& l, std::span<uint8_t> net, size_t i,
                size_t seg_payload, bool last) {
  const size_t l4_len = l.l4 + seg_payload;
  std::span<uint8_t> l4 = net.subspan(l.l3, l4_len);
  if (l.ipv6) {
    header::MutableIpv6 v6(net);
    v6.SetPayloadLength(
        static_cast<uint16_t>(l.l3 - header::kIpv6FixedHeaderSize + l4_len));
  } else {
    header::MutableIpv4 v4(net);
    v4.SetTotalLength(static_cast<uint16_t>(l.l3 + l4_len));
    v4.SetId(static_cast<uint16_t>(v4.id() + i));
    v4.UpdateChecksum();
  }
  if (l.tcp) {
    header::MutableTcp t(l4);
    t.SetSeq(static_cast<uint32_t>(t.seq() + i * l.mss));
    uint8_t flags = t.flags();
    if (!last) flags &= ~(header::tcp_flag::kFin | header::tcp_flag::kPsh);
    if (i > 0) flags &= ~header::tcp_flag::kCwr;  // CWR rides the first only.
    t.SetFlags(flags);
    t.SetChecksum(SegmentChecksum(l, net, l4));
  } else {
    header::MutableUdp u(l4);
    u.SetLength(static_cast<uint16_t>(l4_len));
    u.SetChecksum(SegmentChecksum(l, net, l4));
  }
}

}  // namespace

size_t SegmentCount(const PacketBuffer& pkt) {
  const GSOOptions& g = pkt.gso_options();
  if (g.type == GSOType::kNone || g.mss == 0) return 1;
  const size_t headers =
      pkt.LinkHeaderSize() + size_t{g.l3_header_len} + g.l4_header_len;
  if (pkt.Size() <= headers) return 1;
  return Segments(pkt.Size() - headers, g.mss);
}

Result<void> CheckSuperPacketHeaders(std::span<const uint8_t> network_packet,
                                     const GSOOptions& g) {
  Result<Layout> l = InspectHeaders(network_packet, network_packet.size(), g);
  if (!l) return l.error();
  return {};
}

Result<size_t> SplitSuperPacket(PacketBuffer& pkt, size_t headroom,
                                std::vector<PacketBufferPtr>& out) {
  if (pkt.gso_options().type == GSOType::kNone) {
    out.push_back(pkt.IncRef());
    return size_t{1};
  }
  std::array<uint8_t, kMaxHeaderBytes> hdr;
  Result<Layout> lr = Inspect(pkt, hdr);
  if (!lr) return lr.error();
  const Layout& l = *lr;
  if (l.segments > kMaxSegments)
    return Error{Errc::kMessageTooLong, 0, "gso: more than kMaxSegments"};
  const size_t headers = l.link + l.l3 + l.l4;
  const bool mark_network = !pkt.NetworkHeader().empty();
  const bool mark_transport = !pkt.TransportHeader().empty();
  for (size_t i = 0; i < l.segments; ++i) {
    const size_t off = i * l.mss;
    const size_t seg_payload = std::min(l.mss, l.payload - off);
    const size_t total = headroom + headers + seg_payload;
    ChunkRef chunk = ChunkRef::Allocate(total);
    std::span<uint8_t> seg(chunk->data() + headroom, headers + seg_payload);
    std::memcpy(seg.data(), hdr.data(), headers);
    CopyOut(pkt, headers + off, seg.subspan(headers));
    FixSegment(l, seg.subspan(l.link), i, seg_payload, i + 1 == l.segments);
    PacketBufferPtr p = PacketBuffer::FromView(
        View(std::move(chunk), 0, static_cast<uint32_t>(total)),
        static_cast<uint32_t>(headroom));
    if (l.link > 0) p->ConsumeLinkHeader(l.link);
    if (mark_network) p->ConsumeNetworkHeader(l.l3);
    if (mark_transport) p->ConsumeTransportHeader(l.l4);
    p->set_network_protocol(pkt.network_protocol());
    p->set_hash(pkt.hash());
    p->set_egress_route(pkt.egress_route());
    p->set_rx_checksum_validated(pkt.rx_checksum_validated());
    out.push_back(std::move(p));
  }
  return l.segments;
}

Result<void> CompletePartialChecksum(std::span<uint8_t> network_packet,
                                     uint16_t csum_start,
                                     uint16_t csum_offset) {
  if (size_t{csum_start} + csum_offset + 2 > network_packet.size())
    return Malformed("csum_start + csum_offset past the packet");
  // The field holds the pseudo-header sum: summing over it adds that in.
  const uint16_t sum = header::Checksum(network_packet.subspan(csum_start));
  uint16_t field = static_cast<uint16_t>(~sum);
  // Like the kernel: a computed 0 goes out as 0xffff (the same value in
  // one's complement, and UDP's "no checksum" is 0).
  if (field == 0) field = 0xffff;
  header::StoreBe16(network_packet, size_t{csum_start} + csum_offset, field);
  return {};
}

}  // namespace fdlink::offload
