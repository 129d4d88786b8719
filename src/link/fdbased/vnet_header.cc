#include "link/fdbased/vnet_header.h"

#include <algorithm>
#include <cstdint>

#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/offload/gso_split.h"

namespace fdlink::fdbased {
namespace {

Error Bad(const char* what) { return Error{Errc::kMalformed, 0, what}; }

// IpPacket is `net` cut to its IP length field when that is in bounds
// (link padding is not covered by the L4 checksum), else all of it.
std::span<uint8_t> IpPacket(std::span<uint8_t> net) {
  if (net.empty()) return net;
  size_t len = net.size();
  if ((net[0] >> 4) == header::kIpv4Version &&
      net.size() >= header::kIpv4MinimumSize) {
    len = header::Ipv4(net).total_length();
  } else if ((net[0] >> 4) == header::kIpv6Version &&
             net.size() >= header::kIpv6FixedHeaderSize) {
    len = header::kIpv6FixedHeaderSize + header::Ipv6(net).payload_length();
  }
  return len <= net.size() ? net.first(len) : net;
}

// IpHeaderLength is the IP header length of `net` (IPv4 IHL x 4, at least
// 20; IPv6 40), or more than any packet when it is not IP: a checksum to
// complete must start after it.
size_t IpHeaderLength(std::span<const uint8_t> net) {
  if (net.size() >= header::kIpv4MinimumSize &&
      (net[0] >> 4) == header::kIpv4Version) {
    return std::max(header::kIpv4MinimumSize,
                    header::Ipv4(net).header_length());
  }
  if (net.size() >= header::kIpv6FixedHeaderSize &&
      (net[0] >> 4) == header::kIpv6Version) {
    return header::kIpv6FixedHeaderSize;
  }
  return SIZE_MAX;
}

}  // namespace

Result<VnetRx> DecodeVnetHeader(std::span<const uint8_t> vnet,
                                std::span<uint8_t> frame,
                                uint16_t link_header_size) {
  namespace vn = header::virtio_net;
  if (vnet.size() < header::kVirtioNetHeaderSize)
    return Bad("vnet: header truncated");
  const header::VirtioNetHeader h(vnet);
  VnetRx out;
  const bool needs_csum = (h.flags() & vn::kFlagNeedsCsum) != 0;
  out.checksum_trusted = needs_csum || (h.flags() & vn::kFlagDataValid) != 0;
  const uint8_t type = h.gso_type() & ~vn::kGsoEcn;
  if (needs_csum && h.csum_start() < link_header_size)
    return Bad("vnet: csum_start inside the link header");
  if (frame.size() < link_header_size) return Bad("vnet: frame truncated");
  std::span<uint8_t> net = frame.subspan(link_header_size);
  const uint16_t l3 = static_cast<uint16_t>(h.csum_start() - link_header_size);
  if (type == vn::kGsoNone) {
    if (!needs_csum) return out;
    if (l3 < IpHeaderLength(net))
      return Bad("vnet: csum_start inside the IP header");
    Result<void> r =
        offload::CompletePartialChecksum(IpPacket(net), l3, h.csum_offset());
    if (!r) return Bad("vnet: csum_start + csum_offset past the packet");
    return out;
  }
  if (!needs_csum) return Bad("vnet: GSO without NEEDS_CSUM");
  GSOOptions& g = out.gso;
  uint16_t l4 = 0;
  switch (type) {
    case vn::kGsoTcpV4:
    case vn::kGsoTcpV6: {
      g.type = type == vn::kGsoTcpV4 ? GSOType::kTCPv4 : GSOType::kTCPv6;
      if (size_t{l3} + header::kTcpMinimumSize > net.size())
        return Bad("vnet: TCP header past the packet");
      l4 = static_cast<uint16_t>(
          header::Tcp(net.subspan(l3, header::kTcpMinimumSize)).data_offset());
      if (l4 < header::kTcpMinimumSize) return Bad("vnet: TCP data offset");
      break;
    }
    case vn::kGsoUdpL4:
      g.type = GSOType::kUDPL4;
      l4 = header::kUdpMinimumSize;
      break;
    case vn::kGsoUdp:
      return Bad("vnet: legacy UFO is not supported");
    default:
      return Bad("vnet: unknown gso_type");
  }
  if (h.gso_size() == 0) return Bad("vnet: gso_size is 0");
  g.needs_csum = true;
  g.csum_offset = h.csum_offset();
  g.mss = h.gso_size();
  g.l3_header_len = l3;
  g.l4_header_len = l4;
  // Recomputed hdr_len = csum_start + l4 must lie in the frame; the
  // header check covers it (and csum_start + csum_offset + 2 <= len, since
  // csum_offset must be the L4 header's own).
  if (Result<void> r = offload::CheckSuperPacketHeaders(net, g); !r)
    return r.error();
  return out;
}

namespace {

Error BadOption(const char* what) {
  return Error{Errc::kInvalidArgument, 0, what};
}

}  // namespace

uint8_t VnetGsoType(GSOType t) {
  switch (t) {
    case GSOType::kTCPv4:
      return header::virtio_net::kGsoTcpV4;
    case GSOType::kTCPv6:
      return header::virtio_net::kGsoTcpV6;
    case GSOType::kUDPL4:
      return header::virtio_net::kGsoUdpL4;
    case GSOType::kNone:
      break;
  }
  return header::virtio_net::kGsoNone;
}

Result<void> EncodeVnetHeader(
    const GSOOptions& g, const VnetFrame& frame,
    std::span<uint8_t, header::kVirtioNetHeaderSize> out) {
  std::fill(out.begin(), out.end(), 0);
  const bool gso = g.type != GSOType::kNone;
  if (!g.needs_csum && !gso) return Ok();
  // Sums in size_t cannot wrap; each is checked against 16 bits and the
  // frame before it is stored.
  const size_t csum_start = size_t{frame.link_header_size} + g.l3_header_len;
  if (csum_start > 0xffff || csum_start > frame.frame_size) {
    return BadOption(
        "fdbased: GSO options: csum_start (link + l3_header_len) "
        "does not fit the frame");
  }
  if (g.needs_csum && csum_start + g.csum_offset + 2 > frame.frame_size) {
    return BadOption(
        "fdbased: GSO options: the checksum field (l3_header_len + "
        "csum_offset) lies past the frame");
  }
  header::MutableVirtioNetHeader v{std::span<uint8_t>(out)};
  if (g.needs_csum) {
    v.SetFlags(header::virtio_net::kFlagNeedsCsum);
    v.SetCsumStart(static_cast<uint16_t>(csum_start));
    v.SetCsumOffset(g.csum_offset);
  }
  if (!gso) return Ok();
  if (g.mss == 0) {
    std::fill(out.begin(), out.end(), 0);
    return BadOption("fdbased: GSO options: a GSO type needs a non-zero mss");
  }
  const size_t hdr_len = g.l4_header_len > 0
                             ? csum_start + g.l4_header_len
                             : std::max(frame.pushed_header_size, csum_start);
  if (hdr_len > 0xffff || hdr_len > frame.frame_size) {
    std::fill(out.begin(), out.end(), 0);
    return BadOption(
        "fdbased: GSO options: hdr_len (link + l3 + l4 headers) "
        "does not fit the frame");
  }
  if (frame.frame_size - hdr_len <= g.mss) return Ok();  // One segment.
  v.SetGsoType(VnetGsoType(g.type));
  v.SetGsoSize(g.mss);
  v.SetHdrLen(static_cast<uint16_t>(hdr_len));
  return Ok();
}

Result<void> EncodeVnetHeader(
    const PacketBuffer& pkt, uint16_t link_header_size,
    std::span<uint8_t, header::kVirtioNetHeaderSize> out) {
  return EncodeVnetHeader(pkt.gso_options(),
                          {.link_header_size = link_header_size,
                           .frame_size = pkt.Size(),
                           .pushed_header_size = pkt.HeaderSize()},
                          out);
}

}  // namespace fdlink::fdbased
