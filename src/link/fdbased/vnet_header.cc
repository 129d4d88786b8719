#include "link/fdbased/vnet_header.h"

#include <algorithm>

#include "fdlink/header/virtio_net.h"

namespace fdlink::fdbased {

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
