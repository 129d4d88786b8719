// UDP echo (RFC 862) over IPv4 and IPv6: one implementation for both, the
// address type choosing the checksum's pseudo header and the IP header.
#include <optional>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/udp.h"
#include "responder/handlers.h"
#include "responder/reply_builder.h"

namespace fdlink::responder {
namespace {

constexpr uint16_t kEchoPort = 7;      // RFC 862.
constexpr uint16_t kChargenPort = 19;  // RFC 864.

// ScreenPorts says why a datagram from src_port to dst_port is not
// answered, or nothing.
std::optional<ResponderDrop> ScreenPorts(const Context& ctx,
                                         const header::Udp& udp) {
  if (!ctx.ServesUdpPort(udp.dst_port())) {
    return ResponderDrop::kPortNotServed;
  }
  // Another echo (7) or chargen (19) service would answer the answer, and
  // the two would loop for ever.
  if (udp.src_port() == kEchoPort || udp.src_port() == kChargenPort) {
    return ResponderDrop::kEchoServicePort;
  }
  return std::nullopt;
}

// SuperChecksumValid verifies a super-packet's full UDP checksum (one
// that is not partial) over every view.
template <typename Addr>
bool SuperChecksumValid(const IpRequest<Addr>& req, size_t l4_offset,
                        size_t l4_len) {
  header::ChecksumAccumulator acc(header::PseudoHeaderChecksum(
      header::ip_proto::kUdp, req.src, req.dst, static_cast<uint16_t>(l4_len)));
  req.super->ForEachSliceFrom(l4_offset,
                              [&](std::span<const uint8_t> s) { acc.Add(s); });
  return acc.sum() == 0xffff;
}

template <typename Addr>
Outcome EchoSuper(const Context& ctx, const IpRequest<Addr>& req,
                  std::span<const uint8_t> udp_bytes) {
  const PacketBuffer& in = *req.super;
  const GSOOptions& g = in.gso_options();
  if (g.type != GSOType::kUDPL4 || g.mss == 0 ||
      g.l4_header_len != header::kUdpMinimumSize ||
      udp_bytes.size() < header::kUdpMinimumSize) {
    return ResponderDrop::kBadTransportHeader;
  }
  const header::Udp udp(udp_bytes);
  const size_t l4_offset = in.LinkHeaderSize() + g.l3_header_len;
  const size_t l4_len = in.Size() - l4_offset;
  if (udp.length() != l4_len) return ResponderDrop::kBadTransportHeader;
  if (!req.checksum_validated && !g.needs_csum &&
      !SuperChecksumValid(req, l4_offset, l4_len)) {
    return ResponderDrop::kBadTransportChecksum;
  }
  if (std::optional<ResponderDrop> no = ScreenPorts(ctx, udp)) return *no;

  const size_t ip_len = IpHeaderSize(req.src);
  PacketBufferPtr r = PacketBuffer::Create(
      {.reserve_header_bytes =
           ctx.ep.MaxHeaderLength() + ip_len + header::kUdpMinimumSize,
       .payload = {}});
  const size_t payload = l4_len - header::kUdpMinimumSize;
  if (!r->AppendRangeOf(in, l4_offset + header::kUdpMinimumSize, payload)) {
    return ResponderDrop::kTruncated;
  }
  header::MutableUdp echo(r->PushTransportHeader(header::kUdpMinimumSize));
  echo.SetSrcPort(udp.dst_port());
  echo.SetDstPort(udp.src_port());
  echo.SetLength(static_cast<uint16_t>(l4_len));
  // Partial: the pseudo-header sum only; the kernel (or the endpoint's
  // software split) completes each datagram's checksum.
  echo.SetChecksum(header::PseudoHeaderChecksum(
      header::ip_proto::kUdp, req.dst, req.src, static_cast<uint16_t>(l4_len)));
  PushIpHeader(*r, req.dst, req.src, header::ip_proto::kUdp);
  r->set_gso_options({.type = GSOType::kUDPL4,
                      .needs_csum = true,
                      .csum_offset = header::kUdpChecksumOffset,
                      .mss = g.mss,
                      .l3_header_len = static_cast<uint16_t>(ip_len),
                      .l4_header_len = header::kUdpMinimumSize});
  Transmit(ctx, std::move(r), req.peer, ResponderReply::kUdpEcho);
  return kAnswered;
}

template <typename Addr>
Outcome EchoUdp(const Context& ctx, const IpRequest<Addr>& req,
                std::span<const uint8_t> segment) {
  if (req.super != nullptr) return EchoSuper(ctx, req, segment);
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
  if (std::optional<ResponderDrop> no = ScreenPorts(ctx, *udp)) return *no;

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
