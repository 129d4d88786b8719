// Neighbour discovery (RFC 4861): answer solicitations for our IPv6
// addresses with advertisements the Linux kernel accepts.
#include <array>

#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ndp.h"
#include "responder/handlers.h"
#include "responder/reply_builder.h"

namespace fdlink::responder {
namespace {

// IsValidSolicitation applies the receive checks of RFC 4861 7.1.1 that
// NdpNeighbor::Parse (type, code, length, option lengths) leaves: hop
// limit 255, a unicast target, and for a solicitation from :: (duplicate
// address detection) a solicited-node destination and no source link-layer
// address option.
bool IsValidSolicitation(const Ipv6Request& req,
                         const header::NdpNeighbor& ns) {
  if (req.hop_limit != kNdpHopLimit || ns.target().IsMulticast()) return false;
  if (!req.src.IsUnspecified()) return true;
  return req.dst == ns.target().SolicitedNodeMulticast() &&
         !ns.options()
              .LinkLayerAddress(header::ndp_option::kSourceLinkLayerAddress)
              .has_value();
}

}  // namespace

Outcome HandleNeighborSolicitation(const Context& ctx, const Ipv6Request& req,
                                   std::span<const uint8_t> message) {
  Result<header::NdpNeighbor> ns = header::NdpNeighbor::Parse(message);
  if (!ns || !IsValidSolicitation(req, *ns)) return ResponderDrop::kBadNdp;
  const header::Ipv6Address target = ns->target();
  if (!ctx.IsOurs(target)) return ResponderDrop::kNdpNotOurs;

  // A solicitation from :: is answered to all nodes, unsolicited (7.2.4).
  const bool from_unspecified = req.src.IsUnspecified();
  const header::Ipv6Address dst = from_unspecified ? kAllNodesAddress : req.src;
  const MacAddress dst_mac = from_unspecified ? kAllNodesMac : req.peer;

  // The advertisement: header, target and, on a link with addresses, a
  // target link-layer address option with our MAC.
  std::array<uint8_t, header::kNdpNeighborMinimumSize +
                          header::kNdpLinkLayerAddressOptionSize>
      bytes{};
  const size_t size =
      ctx.HasLinkHeader() ? bytes.size() : header::kNdpNeighborMinimumSize;
  Reply r = NewReply(ctx, header::kIpv6FixedHeaderSize,
                     std::span<const uint8_t>(bytes).first(size));
  header::MutableNdpNeighbor na(r.message);
  na.SetType(header::icmpv6_type::kNeighborAdvertisement);
  na.SetCode(0);
  na.SetFlags(
      static_cast<uint8_t>(header::kNdpFlagOverride |
                           (from_unspecified ? 0 : header::kNdpFlagSolicited)));
  na.SetTarget(target);
  if (ctx.HasLinkHeader()) {
    header::WriteNdpLinkLayerAddressOption(
        r.message.subspan<header::kNdpNeighborMinimumSize,
                          header::kNdpLinkLayerAddressOptionSize>(),
        header::ndp_option::kTargetLinkLayerAddress,
        ctx.ep.LinkAddress().bytes());
  }
  na.SetChecksum(header::Icmpv6Checksum(target, dst, r.message));
  PushIpHeader(*r.pkt, target, dst, header::ip_proto::kIcmpv6, kNdpHopLimit);
  Transmit(ctx, std::move(r.pkt), dst_mac,
           ResponderReply::kNeighborAdvertisement);
  return kAnswered;
}

}  // namespace fdlink::responder
