// The responder's protocol handlers, one file each: the Responder picks one
// by network protocol, the IP handlers pick the transport ones. Each
// validates its own header, then answers (kAnswered) or names the drop.
#ifndef FDLINK_SRC_RESPONDER_HANDLERS_H_
#define FDLINK_SRC_RESPONDER_HANDLERS_H_

#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
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
// byte, ports swapped (udp_echo.cc). A UDP super-packet (req.super;
// `segment` is then its 8-byte header) is answered with a UDP
// super-packet: the same segment size, the payload shared with the request
// (no copy), a partial checksum.
Outcome HandleUdp(const Context& ctx, const Ipv4Request& req,
                  std::span<const uint8_t> segment);
Outcome HandleUdp(const Context& ctx, const Ipv6Request& req,
                  std::span<const uint8_t> segment);

// ParseSuperIpv4 / ParseSuperIpv6 check a super-packet's copied headers
// (`headers`: the IP header, extension headers included, and the L4
// header) like Ipv4::Parse / Ipv6::Parse, but the length fields against
// `network_size`, the whole packet's (super_packet.cc).
Result<header::Ipv4> ParseSuperIpv4(std::span<const uint8_t> headers,
                                    size_t network_size);
Result<header::Ipv6> ParseSuperIpv6(std::span<const uint8_t> headers,
                                    size_t network_size);

// SuperHeaders copies super-packet pkt's IP and L4 headers (its GSO
// metadata says how long) into `out` and fills in.bytes, in.super and
// in.network_size; false when they do not fit `out` or the packet
// (super_packet.cc).
bool SuperHeaders(const PacketBuffer& pkt, std::span<uint8_t> out, Inbound* in);

}  // namespace fdlink::responder

#endif  // FDLINK_SRC_RESPONDER_HANDLERS_H_
