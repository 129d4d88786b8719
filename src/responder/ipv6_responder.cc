// IPv6 (RFC 8200): validate the header and extension chain, then answer
// neighbour solicitations, ICMPv6 echo and UDP echo.
#include <optional>

#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ipv6_extensions.h"
#include "responder/handlers.h"

namespace fdlink::responder {
namespace {

// IsFragment is true for a real fragment; an atomic fragment (offset 0,
// no more fragments, RFC 6946) is a whole packet.
bool IsFragment(const header::Ipv6TransportInfo& t) {
  return t.fragment.has_value() &&
         (t.fragment->offset != 0 || t.fragment->more);
}

// CheckEndToEnd checks what every message other than a neighbour
// solicitation needs: it was sent to one of our unicast addresses, from an
// address we can answer. Nullopt when it may be answered.
std::optional<ResponderDrop> CheckEndToEnd(const Context& ctx,
                                           const Ipv6Request& req) {
  if (!ctx.IsOurs(req.dst)) return ResponderDrop::kNotOurs;
  if (req.src.IsUnspecified()) return ResponderDrop::kBadSource;
  return std::nullopt;
}

Outcome HandleIcmpv6(const Context& ctx, const Ipv6Request& req,
                     std::span<const uint8_t> message) {
  if (message.size() < header::kIcmpv6MinimumSize) {
    return ResponderDrop::kTruncated;
  }
  if (!req.checksum_validated &&
      !header::VerifyIcmpv6Checksum(req.src, req.dst, message)) {
    return ResponderDrop::kBadTransportChecksum;
  }
  const header::Icmpv6 icmp(message);
  if (icmp.type() == header::icmpv6_type::kNeighborSolicitation) {
    return HandleNeighborSolicitation(ctx, req, message);
  }
  if (icmp.type() != header::icmpv6_type::kEchoRequest || icmp.code() != 0) {
    return ResponderDrop::kUnsupportedIcmp;
  }
  if (auto bad = CheckEndToEnd(ctx, req)) return *bad;
  return ReplyToEcho(ctx, req, message);
}

// WalkExtensions walks the extension chain, refusing what RFC 8200 says
// to discard: a routing header with segments left (none is implemented;
// type 0 is deprecated, RFC 5095) and an option whose action bits say
// discard. On success *t says where the upper-layer header is.
Outcome WalkExtensions(const header::Ipv6& ip, header::Ipv6TransportInfo* t) {
  header::Ipv6ExtensionWalker walker(ip);
  for (;;) {
    Result<std::optional<header::Ipv6ExtensionHeader>> h = walker.Next();
    if (!h) return ResponderDrop::kBadIpv6Header;
    if (!h->has_value()) break;
    const header::Ipv6ExtensionHeader& e = **h;
    if (e.type == header::ip_proto::kIpv6Routing &&
        header::Ipv6RoutingSegmentsLeft(e) != 0) {
      return ResponderDrop::kRoutingHeader;
    }
    if (e.type == header::ip_proto::kIpv6HopByHop ||
        e.type == header::ip_proto::kIpv6DestinationOptions) {
      Result<bool> discard = header::Ipv6OptionsDemandDiscard(e);
      if (!discard) return ResponderDrop::kBadIpv6Header;
      if (*discard) return ResponderDrop::kDiscardOption;
    }
  }
  *t = header::Ipv6TransportInfo{walker.protocol(), walker.offset(),
                                 walker.fragment()};
  return kAnswered;
}

}  // namespace

Outcome HandleIpv6(const Context& ctx, const Inbound& in) {
  if (in.bytes.size() < header::kIpv6FixedHeaderSize) {
    return ResponderDrop::kTruncated;
  }
  // Parse checks the version and the payload length against the buffer.
  Result<header::Ipv6> ip = in.super != nullptr
                                ? ParseSuperIpv6(in.bytes, in.network_size)
                                : header::Ipv6::Parse(in.bytes);
  if (!ip) return ResponderDrop::kBadIpv6Header;
  if (!ctx.IsOurs(ip->dst()) && !ctx.IsJoinedGroup(ip->dst())) {
    return ResponderDrop::kNotOurs;
  }
  if (ip->src().IsMulticast()) return ResponderDrop::kBadSource;
  if (ip->src().IsLoopback()) return ResponderDrop::kLoopbackSource;
  if (ip->src().IsV4Mapped()) return ResponderDrop::kMappedSource;
  if (ctx.IsOurs(ip->src())) return ResponderDrop::kOwnSource;
  // Unicast to us but sent to a link group address: misdirected.
  if (in.link_group && ctx.IsOurs(ip->dst())) {
    return ResponderDrop::kLinkBroadcast;
  }
  header::Ipv6TransportInfo t;
  if (const Outcome walked = WalkExtensions(*ip, &t); walked.dropped())
    return walked;
  if (IsFragment(t)) return ResponderDrop::kFragment;

  const Ipv6Request req{
      ip->src(), ip->dst(), ip->hop_limit(), in.peer, in.checksum_validated,
      in.super};
  const std::span<const uint8_t> upper = ip->packet().subspan(t.offset);
  switch (t.protocol) {
    case header::ip_proto::kIcmpv6:
      return HandleIcmpv6(ctx, req, upper);
    case header::ip_proto::kUdp: {
      if (auto bad = CheckEndToEnd(ctx, req)) return *bad;
      return HandleUdp(ctx, req, upper);
    }
    default:
      return ResponderDrop::kUnknownProtocol;
  }
}

}  // namespace fdlink::responder
