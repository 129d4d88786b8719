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

void EncodeVnetHeader(const PacketBuffer& pkt, uint16_t link_header_size,
                      std::span<uint8_t, header::kVirtioNetHeaderSize> out) {
  std::fill(out.begin(), out.end(), 0);
  header::MutableVirtioNetHeader v{std::span<uint8_t>(out)};
  const GSOOptions& g = pkt.gso_options();
  if (g.needs_csum) {
    v.SetFlags(header::virtio_net::kFlagNeedsCsum);
    v.SetCsumStart(static_cast<uint16_t>(link_header_size + g.l3_header_len));
    v.SetCsumOffset(g.csum_offset);
  }
  if (g.type != GSOType::kNone && pkt.DataSize() > g.mss) {
    v.SetGsoType(g.type == GSOType::kTCPv4 ? header::virtio_net::kGsoTcpV4
                                           : header::virtio_net::kGsoTcpV6);
    v.SetGsoSize(g.mss);
    v.SetHdrLen(static_cast<uint16_t>(pkt.HeaderSize()));
  }
}

}  // namespace fdlink::fdbased
