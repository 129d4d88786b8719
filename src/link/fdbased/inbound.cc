#include "link/fdbased/inbound.h"

#include <utility>

#include "fdlink/header/ethernet.h"

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
  // The virtio-net header carries offload hints that nothing consumes yet.
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

  out.pkt = PacketBuffer::FromView(std::move(bytes));
  if (link.link_header_size > 0)
    out.pkt->ConsumeLinkHeader(link.link_header_size);
  out.pkt->set_network_protocol(proto);
  // A frame whose checksum the kernel trusts (CHECKSUM_PARTIAL from a local
  // sender, or verified) is treated as the kernel treats it: accepted.
  out.pkt->set_rx_checksum_validated(link.rx.checksum_offload ||
                                     frame.checksum_trusted);
  out.protocol = proto;
  return out;
}

}  // namespace fdlink::fdbased
