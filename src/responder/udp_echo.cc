// UDP echo (RFC 862) over IPv4 and IPv6: one implementation for both, the
// address type choosing the checksum's pseudo header and the IP header.
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/udp.h"
#include "responder/handlers.h"
#include "responder/reply_builder.h"

namespace fdlink::responder {
namespace {

constexpr uint16_t kEchoPort = 7;      // RFC 862.
constexpr uint16_t kChargenPort = 19;  // RFC 864.

template <typename Addr>
Outcome EchoUdp(const Context& ctx, const IpRequest<Addr>& req,
                std::span<const uint8_t> segment) {
  if (segment.size() < header::kUdpMinimumSize) {
    return ResponderDrop::kTruncated;
  }
  // Parse checks 8 <= length <= segment size; bytes past length (padding)
  // are neither checksummed nor echoed.
  Result<header::Udp> udp = header::Udp::Parse(segment);
  if (!udp) return ResponderDrop::kBadTransportHeader;
  const std::span<const uint8_t> datagram = segment.first(udp->length());
  // Over IPv4 a zero checksum means "none"; over IPv6 it is invalid.
  if (!req.checksum_validated &&
      !header::VerifyUdpChecksum(req.src, req.dst, datagram)) {
    return ResponderDrop::kBadTransportChecksum;
  }
  if (!ctx.ServesUdpPort(udp->dst_port())) {
    return ResponderDrop::kPortNotServed;
  }
  // Another echo (7) or chargen (19) service would answer the answer, and
  // the two would loop for ever.
  if (udp->src_port() == kEchoPort || udp->src_port() == kChargenPort) {
    return ResponderDrop::kEchoServicePort;
  }

  Reply r = NewReply(ctx, IpHeaderSize(req.src), datagram);
  header::MutableUdp echo(r.message);
  echo.SetSrcPort(udp->dst_port());
  echo.SetDstPort(udp->src_port());
  echo.SetChecksum(header::UdpChecksum(req.dst, req.src, r.message));
  PushIpHeader(*r.pkt, req.dst, req.src, header::ip_proto::kUdp);
  Transmit(ctx, std::move(r.pkt), req.peer, ResponderReply::kUdpEcho);
  return kAnswered;
}

}  // namespace

Outcome HandleUdp(const Context& ctx, const Ipv4Request& req,
                  std::span<const uint8_t> segment) {
  return EchoUdp(ctx, req, segment);
}

Outcome HandleUdp(const Context& ctx, const Ipv6Request& req,
                  std::span<const uint8_t> segment) {
  return EchoUdp(ctx, req, segment);
}

}  // namespace fdlink::responder
