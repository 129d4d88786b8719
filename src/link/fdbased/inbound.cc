#include "link/fdbased/inbound.h"

#include <array>
#include <cstring>
#include <utility>

#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"
#include "link/fdbased/vnet_header.h"

namespace fdlink::fdbased {

Classified ClassifyFrame(const LinkConfig& link,
                         const std::atomic<uint64_t>& address, RxFrame& frame) {
  Classified out;
  if (frame.truncated) {
    out.drop = DropReason::kOversized;
    return out;
  }
  View bytes = std::move(frame.bytes);
  if (bytes.empty()) {
    out.drop = DropReason::kEmpty;
    return out;
  }
  if (bytes.size() < link.vnet_header_size) {
    out.drop = DropReason::kTruncated;
    return out;
  }
  // The virtio-net header is decoded once the frame is known to be ours.
  std::array<uint8_t, header::kVirtioNetHeaderSize> vnet{};
  const bool has_vnet = link.vnet_header_size > 0;
  if (has_vnet) std::memcpy(vnet.data(), bytes.data(), vnet.size());
  bytes.TrimFront(link.vnet_header_size);
  if (bytes.empty()) {
    out.drop = DropReason::kEmpty;
    return out;
  }

  NetworkProtocolNumber proto;
  if (link.link_header_size > 0) {
    if (bytes.size() < link.link_header_size) {
      out.drop = DropReason::kTruncated;
      return out;
    }
    header::Ethernet eth(std::span<const uint8_t>(bytes.bytes())
                             .first(header::kEthernetHeaderSize));
    const MacAddress dst(eth.dst());
    const uint64_t ours = address.load(std::memory_order_relaxed);
    if (!dst.IsGroup() && dst.ToU64() != ours) {
      out.drop = DropReason::kNotForUs;
      return out;
    }
    proto = eth.ether_type();
  } else {
    switch (bytes.data()[0] >> 4) {
      case 4:
        proto = kIPv4ProtocolNumber;
        break;
      case 6:
        proto = kIPv6ProtocolNumber;
        break;
      default:
        out.drop = DropReason::kUnknownProtocol;
        return out;
    }
  }

  bool trusted = frame.checksum_trusted;
  GSOOptions gso;
  if (has_vnet) {
    Result<VnetRx> v =
        DecodeVnetHeader(vnet, bytes.bytes(), link.link_header_size);
    if (!v) {
      out.drop = DropReason::kBadVnetHeader;
      return out;
    }
    gso = v->gso;
    trusted = trusted || v->checksum_trusted;
  }

  out.pkt = PacketBuffer::FromView(std::move(bytes));
  if (link.link_header_size > 0)
    out.pkt->ConsumeLinkHeader(link.link_header_size);
  out.pkt->set_network_protocol(proto);
  out.pkt->set_gso_options(gso);
  // A frame whose checksum the kernel trusts (CHECKSUM_PARTIAL from a local
  // sender, or verified) is treated as the kernel treats it: accepted.
  out.pkt->set_rx_checksum_validated(link.rx.checksum_offload || trusted);
  out.protocol = proto;
  return out;
}

}  // namespace fdlink::fdbased
