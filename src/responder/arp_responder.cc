// ARP (RFC 826): answer requests for our IPv4 addresses.
#include <array>

#include "fdlink/header/arp.h"
#include "fdlink/header/ethernet.h"
#include "responder/handlers.h"
#include "responder/reply_builder.h"

namespace fdlink::responder {

Outcome HandleArp(const Context& ctx, const Inbound& in) {
  if (in.bytes.size() < header::kArpSize) return ResponderDrop::kTruncated;
  Result<header::Arp> arp = header::Arp::Parse(in.bytes);
  if (!arp) return ResponderDrop::kMalformedArp;
  if (arp->op() != header::arp_op::kRequest) {
    return ResponderDrop::kUnsupportedArp;
  }
  // The reply goes to the sender's hardware address, which must be a
  // unicast MAC. A probe (sender IP 0.0.0.0, RFC 5227) is answered too.
  const MacAddress sender(arp->sender_hardware_address());
  if (sender.IsGroup() || sender.IsZero()) return ResponderDrop::kBadSource;
  const header::Ipv4Address target = arp->target_protocol_address();
  if (!ctx.IsOurs(target)) return ResponderDrop::kArpNotOurs;

  std::array<uint8_t, header::kArpSize> bytes{};
  header::MutableArp reply{std::span<uint8_t>(bytes)};
  reply.SetIpv4OverEthernet();
  reply.SetOp(header::arp_op::kReply);
  reply.SetSenderHardwareAddress(ctx.ep.LinkAddress().bytes());
  reply.SetSenderProtocolAddress(target);
  reply.SetTargetHardwareAddress(sender.bytes());
  reply.SetTargetProtocolAddress(arp->sender_protocol_address());

  Reply r = NewReply(ctx, 0, bytes);
  r.pkt->set_network_protocol(kARPProtocolNumber);
  Transmit(ctx, std::move(r.pkt), sender, ResponderReply::kArp);
  return kAnswered;
}

}  // namespace fdlink::responder
