#include "link/fdbased/vnet_header.h"

#include <algorithm>

#include "fdlink/header/virtio_net.h"

namespace fdlink::fdbased {

namespace {

Error Bad(const char* what) { return Error{Errc::kInvalidArgument, 0, what}; }

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
    return Bad(
        "fdbased: GSO options: csum_start (link + l3_header_len) "
        "does not fit the frame");
  }
  if (g.needs_csum && csum_start + g.csum_offset + 2 > frame.frame_size) {
    return Bad(
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
    return Bad("fdbased: GSO options: a GSO type needs a non-zero mss");
  }
  const size_t hdr_len = g.l4_header_len > 0
                             ? csum_start + g.l4_header_len
                             : std::max(frame.pushed_header_size, csum_start);
  if (hdr_len > 0xffff || hdr_len > frame.frame_size) {
    std::fill(out.begin(), out.end(), 0);
    return Bad(
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
