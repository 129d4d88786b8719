// Building and sending replies, shared by every handler: allocate a packet
// holding the reply's message, push an IP header, add the link header and
// write it.
//
// A reply is built innermost first:
//   Reply r = NewReply(ctx, IpHeaderSize(req.src), message);
//   ... edit r.message (fields, transport checksum) ...
//   PushIpHeader(*r.pkt, req.dst, req.src, protocol);
//   Transmit(ctx, std::move(r.pkt), req.peer, ResponderReply::k...);
#ifndef FDLINK_SRC_RESPONDER_REPLY_BUILDER_H_
#define FDLINK_SRC_RESPONDER_REPLY_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "responder/context.h"

namespace fdlink::responder {

// kReplyTtl is the TTL / hop limit of ordinary replies; NDP uses 255.
inline constexpr uint8_t kReplyTtl = 64;
inline constexpr uint8_t kNdpHopLimit = 255;

// IpHeaderSize is the size of the IP header PushIpHeader writes for the
// address family of its argument (no options, no extension headers).
constexpr size_t IpHeaderSize(const header::Ipv4Address&) {
  return header::kIpv4MinimumSize;
}
constexpr size_t IpHeaderSize(const header::Ipv6Address&) {
  return header::kIpv6FixedHeaderSize;
}

// Reply is an outbound packet under construction and its message bytes
// (the packet's data: transport header and payload), editable in place
// until a header is pushed.
struct Reply {
  PacketBufferPtr pkt;
  std::span<uint8_t> message;
};

// NewReply allocates a packet holding a copy of `message`, with headroom
// for an `ip_header_size`-byte network header (0 for ARP) and the
// endpoint's link header.
Reply NewReply(const Context& ctx, size_t ip_header_size,
               std::span<const uint8_t> message);

// PushIpHeader pushes an IPv4 header (DF set, no options, checksum filled)
// or an IPv6 fixed header in front of the message of a packet from
// NewReply, covering everything already in the packet, and sets the
// packet's network protocol.
void PushIpHeader(PacketBuffer& pkt, const header::Ipv4Address& src,
                  const header::Ipv4Address& dst, uint8_t protocol,
                  uint8_t ttl = kReplyTtl);
void PushIpHeader(PacketBuffer& pkt, const header::Ipv6Address& src,
                  const header::Ipv6Address& dst, uint8_t next_header,
                  uint8_t hop_limit = kReplyTtl);

// Transmit adds the link header (on Ethernet: from the endpoint's MAC to
// `remote`) and writes the packet, counting it as a `kind` reply when the
// endpoint takes it and as tx_failed otherwise (a super-packet as the
// datagrams it stands for). The packet's network
// protocol must be set.
void Transmit(const Context& ctx, PacketBufferPtr pkt, MacAddress remote,
              ResponderReply kind);

}  // namespace fdlink::responder

#endif  // FDLINK_SRC_RESPONDER_REPLY_BUILDER_H_
