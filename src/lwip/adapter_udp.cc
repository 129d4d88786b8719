// NetifAdapter's own answers outside lwIP: UDP to any destination (OnUdp
// and SendUdp) and ICMP/ICMPv6 echo to any address.
#include <utility>

#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/udp.h"
#include "fdlink/lwip/netif_adapter.h"
#include "lwip/adapter_packets.h"

namespace fdlink::lwip {

void NetifAdapter::DeliverUdp(std::span<const uint8_t> ip,
                              const ParsedFlow& f) {
  std::optional<std::span<const uint8_t>> payload = UdpPayload(ip, f);
  if (!on_udp_ || !payload) {
    ++counters_.udp_dropped;
    return;
  }
  const Clock::time_point now = Clock::now();
  NatEntry* e = nat_.Open(f.key, now);  // The flow's entry, new or not.
  if (e == nullptr) {
    ++counters_.udp_dropped;  // Over the cap (counted as refused there).
    return;
  }
  nat_.TouchUdp(e, now);
  ++counters_.udp_rx;
  on_udp_(f.key.src, f.key.dst, *payload);
}

Result<void> NetifAdapter::SendUdp(const FlowAddr& from, const FlowAddr& to,
                                   std::span<const uint8_t> payload) {
  const size_t headers = UdpHeadersSize(from.v6);
  if (from.v6 != to.v6 || headers + payload.size() > endpoint_->MTU() ||
      headers + payload.size() > 0xffff) {
    return Error{Errc::kInvalidArgument, 0,
                 "lwip: SendUdp needs one address family and a payload "
                 "that fits the MTU"};
  }
  PacketBufferOptions opts;
  opts.reserve_header_bytes = endpoint_->MaxHeaderLength() + headers;
  opts.payload = payload;
  PacketBufferPtr pkt = PacketBuffer::Create(opts);
  (void)pkt->PushTransportHeader(header::kUdpMinimumSize);
  (void)pkt->PushNetworkHeader(headers - header::kUdpMinimumSize);
  if (Result<void> r = WriteUdpHeaders(pkt->NetworkPacket(), from, to); !r) {
    return r.error();
  }
  CoreLockGuard g;
  if (!started_) return Errc::kClosed;
  if (NatEntry* e = nat_.FindOriginal(
          FlowKey{header::ip_proto::kUdp, /*src=*/to, /*dst=*/from})) {
    nat_.TouchUdp(e, Clock::now());
  }
  Result<void> r = Transmit(std::move(pkt));
  if (r) ++counters_.udp_tx;
  return r;
}

bool NetifAdapter::AnswerEcho(std::span<const uint8_t> ip) {
  // Only ICMP reaches the copy: protocol 1 in IPv4, next header 58 in IPv6.
  const bool v4 = (ip[0] >> 4) == 4 && ip.size() >= 20 &&
                  ip[9] == header::ip_proto::kIcmpv4;
  const bool v6 = (ip[0] >> 4) == 6 && ip.size() >= 40 &&
                  ip[6] == header::ip_proto::kIcmpv6;
  if (!v4 && !v6) return false;
  PacketBufferPtr pkt = NewPacket(ip);
  switch (TurnEchoIntoReply(pkt->NetworkPacket())) {
    case EchoVerdict::kNotEcho:
      return false;
    case EchoVerdict::kBad:
      ++counters_.rx_other;
      return true;
    case EchoVerdict::kReplied:
      break;
  }
  if (Transmit(std::move(pkt))) ++counters_.icmp_echo_replied;
  return true;
}

}  // namespace fdlink::lwip
