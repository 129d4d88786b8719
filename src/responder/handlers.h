// The responder's protocol handlers, one file each: the Responder picks one
// by network protocol, the IP handlers pick the transport ones. Each
// validates its own header, then answers (kAnswered) or names the drop.
#ifndef FDLINK_SRC_RESPONDER_HANDLERS_H_
#define FDLINK_SRC_RESPONDER_HANDLERS_H_

#include <cstdint>
#include <span>

#include "responder/context.h"

namespace fdlink::responder {

// HandleArp answers an ARP request for one of our IPv4 addresses
// (arp_responder.cc).
Outcome HandleArp(const Context& ctx, const Inbound& in);

// HandleIpv4 validates an IPv4 packet and hands ICMP and UDP to their
// handlers (ipv4_responder.cc).
Outcome HandleIpv4(const Context& ctx, const Inbound& in);

// HandleIpv6 validates an IPv6 packet, walks its extension headers and
// hands ICMPv6 and UDP to their handlers (ipv6_responder.cc).
Outcome HandleIpv6(const Context& ctx, const Inbound& in);

// HandleNeighborSolicitation answers a neighbour solicitation (an ICMPv6
// message whose checksum was verified) for one of our addresses with a
// neighbour advertisement (ndp_responder.cc).
Outcome HandleNeighborSolicitation(const Context& ctx, const Ipv6Request& req,
                                   std::span<const uint8_t> message);

// ReplyToEcho answers an ICMPv4 or ICMPv6 echo request (`message`, checksum
// verified) with an echo reply carrying the same identifier, sequence
// number and data (icmp_echo.cc).
Outcome ReplyToEcho(const Context& ctx, const Ipv4Request& req,
                    std::span<const uint8_t> message);
Outcome ReplyToEcho(const Context& ctx, const Ipv6Request& req,
                    std::span<const uint8_t> message);

// HandleUdp echoes a UDP datagram (`segment`: the IP payload from the UDP
// header on) sent to an echo port back to its sender, payload byte for
// byte, ports swapped (udp_echo.cc).
Outcome HandleUdp(const Context& ctx, const Ipv4Request& req,
                  std::span<const uint8_t> segment);
Outcome HandleUdp(const Context& ctx, const Ipv6Request& req,
                  std::span<const uint8_t> segment);

}  // namespace fdlink::responder

#endif  // FDLINK_SRC_RESPONDER_HANDLERS_H_
