// What every part of the responder shares: the Context it answers in, the
// Outcome a handler returns, and the description of a request being
// answered.
#ifndef FDLINK_SRC_RESPONDER_CONTEXT_H_
#define FDLINK_SRC_RESPONDER_CONTEXT_H_

#include <cstdint>
#include <optional>
#include <span>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/mac_address.h"
#include "fdlink/responder/counters.h"
#include "fdlink/responder/responder.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::responder {

// Verdict is what a handler did with a packet: kAnswered when it handed a
// reply to Transmit (which counted it as sent or tx_failed), kDropped when
// it refused the packet.
enum class Verdict : uint8_t { kAnswered, kDropped };

// Outcome is how a handler finished with a packet: its verdict and, for
// kDropped, the reason. A ResponderDrop converts to a kDropped outcome, so a
// handler returns the reason itself.
struct Outcome {
  constexpr Outcome(ResponderDrop why)  // NOLINT: implicit by design.
      : verdict(Verdict::kDropped), reason(why) {}
  static constexpr Outcome Answered() { return Outcome(); }

  constexpr bool dropped() const { return verdict == Verdict::kDropped; }

  Verdict verdict;
  ResponderDrop reason;  // Meaningful only when dropped().

 private:
  constexpr Outcome() : verdict(Verdict::kAnswered), reason() {}
};
inline constexpr Outcome kAnswered = Outcome::Answered();

// kAllNodesAddress is ff02::1, the link-local all-nodes group, and
// kAllNodesMac its Ethernet group address (RFC 2464 section 7).
inline constexpr header::Ipv6Address kAllNodesAddress({0xff, 0x02, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 1});
inline constexpr MacAddress kAllNodesMac({0x33, 0x33, 0, 0, 0, 1});

// Context is the responder as its handlers see it. It borrows everything
// from the Responder; the endpoint and counters are thread-safe and the
// configuration is immutable, so a const Context is shared by every thread.
struct Context {
  LinkEndpoint& ep;
  const ResponderConfig& config;
  ResponderCounterSet& counters;

  // IsOurs reports whether `a` is one of the configured addresses.
  bool IsOurs(const header::Ipv4Address& a) const;
  bool IsOurs(const header::Ipv6Address& a) const;
  // IsJoinedGroup reports whether `a` is a multicast group we listen to:
  // all-nodes (ff02::1) or the solicited-node group of one of our addresses.
  bool IsJoinedGroup(const header::Ipv6Address& a) const;
  // ServesUdpPort reports whether UDP port `port` is an echo port.
  bool ServesUdpPort(uint16_t port) const;
  // HasLinkHeader reports whether the link carries Ethernet headers (and so
  // link addresses: ARP and NDP link-layer options make sense).
  bool HasLinkHeader() const { return ep.MaxHeaderLength() > 0; }
};

// Inbound is one packet as the protocol handlers receive it.
struct Inbound {
  // Bytes is the packet from the network header to the end; for a
  // super-packet only its IP and L4 headers (a copy), whose length fields
  // cover network_size bytes.
  std::span<const uint8_t> bytes;
  MacAddress peer;                  // Link source; zero without link header.
  bool link_group = false;          // Sent to a link broadcast/multicast.
  bool checksum_validated = false;  // The link verified transport checksums.
  // Super, when not null, is the super-packet (GSO type set; borrowed for
  // the call, possibly in several views) these are the headers of, and
  // network_size its length from the network header on.
  const PacketBuffer* super = nullptr;
  size_t network_size = 0;
};

// IpRequest is what the transport handlers know about an IP packet being
// answered. Addr is header::Ipv4Address or header::Ipv6Address; replies go
// from `dst` back to `src`.
template <typename Addr>
struct IpRequest {
  Addr src;
  Addr dst;
  uint8_t hop_limit = 0;  // TTL or hop limit as received.
  MacAddress peer;        // Link source; zero without a link header.
  bool checksum_validated = false;
  // Super is Inbound::super: set, the transport bytes are headers only.
  const PacketBuffer* super = nullptr;
};
using Ipv4Request = IpRequest<header::Ipv4Address>;
using Ipv6Request = IpRequest<header::Ipv6Address>;

}  // namespace fdlink::responder

#endif  // FDLINK_SRC_RESPONDER_CONTEXT_H_
