// IPv4 (RFC 791): validate the header, then answer ICMP echo and UDP echo.
#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "responder/handlers.h"

namespace fdlink::responder {
namespace {

// CanReplyTo reports whether `src` is a single host we may answer: not
// 0.0.0.0, not the limited broadcast, not a multicast group.
bool CanReplyTo(const header::Ipv4Address& src) {
  return !src.IsUnspecified() && !src.IsBroadcast() && !src.IsMulticast();
}

Outcome HandleIcmpv4(const Context& ctx, const Ipv4Request& req,
                     std::span<const uint8_t> message) {
  if (message.size() < header::kIcmpv4MinimumSize) {
    return ResponderDrop::kTruncated;
  }
  if (!req.checksum_validated && !header::VerifyIcmpv4Checksum(message)) {
    return ResponderDrop::kBadTransportChecksum;
  }
  const header::Icmpv4 icmp(message);
  if (icmp.type() != header::icmpv4_type::kEchoRequest || icmp.code() != 0) {
    return ResponderDrop::kUnsupportedIcmp;
  }
  return ReplyToEcho(ctx, req, message);
}

}  // namespace

Outcome HandleIpv4(const Context& ctx, const Inbound& in) {
  if (in.bytes.size() < header::kIpv4MinimumSize) {
    return ResponderDrop::kTruncated;
  }
  // Parse checks version, IHL and total length against the buffer (for a
  // super-packet's headers, against its size).
  Result<header::Ipv4> ip = in.super != nullptr
                                ? ParseSuperIpv4(in.bytes, in.network_size)
                                : header::Ipv4::Parse(in.bytes);
  if (!ip) return ResponderDrop::kBadIpv4Header;
  if (!ip->IsChecksumValid()) return ResponderDrop::kBadIpv4Checksum;
  if (!ctx.IsOurs(ip->dst())) return ResponderDrop::kNotOurs;
  // Our addresses are unicast: sent to a link group, it is misdirected.
  if (in.link_group) return ResponderDrop::kLinkBroadcast;
  if (!CanReplyTo(ip->src())) return ResponderDrop::kBadSource;
  if (ip->src().IsLoopback()) return ResponderDrop::kLoopbackSource;
  if (ip->src().IsClassE()) return ResponderDrop::kClassESource;
  if (ctx.IsOurs(ip->src())) return ResponderDrop::kOwnSource;
  if (ip->IsFragment()) return ResponderDrop::kFragment;

  const Ipv4Request req{
      ip->src(), ip->dst(), ip->ttl(), in.peer, in.checksum_validated,
      in.super};
  switch (ip->protocol()) {
    case header::ip_proto::kIcmpv4:
      return HandleIcmpv4(ctx, req, ip->payload());
    case header::ip_proto::kUdp:
      return HandleUdp(ctx, req, ip->payload());
    default:
      return ResponderDrop::kUnknownProtocol;
  }
}

}  // namespace fdlink::responder
