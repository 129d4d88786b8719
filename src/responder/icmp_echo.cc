// ICMP echo (RFC 792 / RFC 4443 4.2): one reply path for both versions.
// The reply is the request with the type changed and the checksum redone.
#include "fdlink/header/checksum.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "responder/handlers.h"
#include "responder/reply_builder.h"

namespace fdlink::responder {
namespace {

// IcmpTraits holds what differs between ICMPv4 and ICMPv6 echo replies:
// the message view, protocol number, reply type, reply counter and the
// checksum (ICMPv6 covers a pseudo header; ICMPv4 does not).
template <typename Addr>
struct IcmpTraits;

template <>
struct IcmpTraits<header::Ipv4Address> {
  using MutableView = header::MutableIcmpv4;
  static constexpr uint8_t kProtocol = header::ip_proto::kIcmpv4;
  static constexpr uint8_t kEchoReply = header::icmpv4_type::kEchoReply;
  static constexpr ResponderReply kKind = ResponderReply::kIcmpv4Echo;
  static uint16_t Checksum(const header::Ipv4Address&,
                           const header::Ipv4Address&,
                           std::span<const uint8_t> message) {
    return header::Icmpv4Checksum(message);
  }
};

template <>
struct IcmpTraits<header::Ipv6Address> {
  using MutableView = header::MutableIcmpv6;
  static constexpr uint8_t kProtocol = header::ip_proto::kIcmpv6;
  static constexpr uint8_t kEchoReply = header::icmpv6_type::kEchoReply;
  static constexpr ResponderReply kKind = ResponderReply::kIcmpv6Echo;
  static uint16_t Checksum(const header::Ipv6Address& src,
                           const header::Ipv6Address& dst,
                           std::span<const uint8_t> message) {
    return header::Icmpv6Checksum(src, dst, message);
  }
};

template <typename Addr>
Outcome EchoBack(const Context& ctx, const IpRequest<Addr>& req,
                 std::span<const uint8_t> message) {
  using Traits = IcmpTraits<Addr>;
  Reply r = NewReply(ctx, IpHeaderSize(req.src), message);
  typename Traits::MutableView echo(r.message);
  echo.SetType(Traits::kEchoReply);
  echo.SetCode(0);
  echo.SetChecksum(Traits::Checksum(req.dst, req.src, r.message));
  PushIpHeader(*r.pkt, req.dst, req.src, Traits::kProtocol);
  Transmit(ctx, std::move(r.pkt), req.peer, Traits::kKind);
  return kAnswered;
}

}  // namespace

Outcome ReplyToEcho(const Context& ctx, const Ipv4Request& req,
                    std::span<const uint8_t> message) {
  return EchoBack(ctx, req, message);
}

Outcome ReplyToEcho(const Context& ctx, const Ipv6Request& req,
                    std::span<const uint8_t> message) {
  return EchoBack(ctx, req, message);
}

}  // namespace fdlink::responder
