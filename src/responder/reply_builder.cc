#include "responder/reply_builder.h"

#include <algorithm>

#include "fdlink/base/result.h"
#include "fdlink/offload/gso_split.h"

namespace fdlink::responder {

Reply NewReply(const Context& ctx, size_t ip_header_size,
               std::span<const uint8_t> message) {
  PacketBufferOptions opts;
  opts.reserve_header_bytes = ctx.ep.MaxHeaderLength() + ip_header_size;
  opts.payload = message;
  PacketBufferPtr pkt = PacketBuffer::Create(opts);
  // A fresh packet is one view, so Contiguous() is exactly its data.
  std::span<uint8_t> bytes = pkt->Contiguous();
  return Reply{std::move(pkt), bytes};
}

void PushIpHeader(PacketBuffer& pkt, const header::Ipv4Address& src,
                  const header::Ipv4Address& dst, uint8_t protocol,
                  uint8_t ttl) {
  const size_t total = header::kIpv4MinimumSize + pkt.Size();
  std::span<uint8_t> h = pkt.PushNetworkHeader(header::kIpv4MinimumSize);
  std::fill(h.begin(), h.end(), 0);
  header::MutableIpv4 ip(h);
  ip.SetVersion(header::kIpv4Version);
  ip.SetHeaderLength(header::kIpv4MinimumSize);
  ip.SetTotalLength(static_cast<uint16_t>(total));
  ip.SetDontFragment(true);  // An atomic datagram: its id may stay 0.
  ip.SetTtl(ttl);
  ip.SetProtocol(protocol);
  ip.SetSrc(src);
  ip.SetDst(dst);
  ip.UpdateChecksum();
  pkt.set_network_protocol(kIPv4ProtocolNumber);
}

void PushIpHeader(PacketBuffer& pkt, const header::Ipv6Address& src,
                  const header::Ipv6Address& dst, uint8_t next_header,
                  uint8_t hop_limit) {
  const size_t payload = pkt.Size();
  std::span<uint8_t> h = pkt.PushNetworkHeader(header::kIpv6FixedHeaderSize);
  std::fill(h.begin(), h.end(), 0);
  header::MutableIpv6 ip(h);
  ip.SetVersion(header::kIpv6Version);
  ip.SetPayloadLength(static_cast<uint16_t>(payload));
  ip.SetNextHeader(next_header);
  ip.SetHopLimit(hop_limit);
  ip.SetSrc(src);
  ip.SetDst(dst);
  pkt.set_network_protocol(kIPv6ProtocolNumber);
}

void Transmit(const Context& ctx, PacketBufferPtr pkt, MacAddress remote,
              ResponderReply kind) {
  const uint64_t n = offload::SegmentCount(*pkt);  // A super-packet: many.
  if (ctx.HasLinkHeader()) {
    pkt->set_egress_route(EgressRoute{ctx.ep.LinkAddress(), remote});
    if (!ctx.ep.AddHeader(*pkt)) {
      ctx.counters.CountTxFailed(n);
      return;
    }
  }
  Result<size_t> written =
      ctx.ep.WritePackets(std::span<const PacketBufferPtr>(&pkt, 1));
  if (written.has_value() && *written == 1) {
    ctx.counters.CountReply(kind, n);
  } else {
    ctx.counters.CountTxFailed(n);
  }
}

}  // namespace fdlink::responder
