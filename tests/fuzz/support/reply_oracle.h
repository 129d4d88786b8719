// CheckReply: the oracle of the responder harnesses. Every frame the
// responder emits must be a well-formed packet that answers the request
// it came from, with correct checksums as the naive reference computes them.
#ifndef FDLINK_TESTS_FUZZ_SUPPORT_REPLY_ORACLE_H_
#define FDLINK_TESTS_FUZZ_SUPPORT_REPLY_ORACLE_H_

#include <cstdint>
#include <span>

#include "fdlink/header/mac_address.h"
#include "fdlink/responder/responder.h"

namespace fdlink::fuzz {

// Request is what the oracle knows of the frame that caused a reply.
struct Request {
  bool ethernet = false;             // Frames carry an Ethernet header.
  std::span<const uint8_t> network;  // The request from its network header.
  MacAddress peer;                   // Its source MAC (Ethernet only).
};

// CheckReply aborts (FUZZ_CHECK) unless `frame` is a well-formed reply to
// `req` from a responder with `config` on a link whose MAC is `ours`:
// - Ethernet: from `ours` to the request's source (ff02::1's group MAC for
//   an advertisement to all nodes), EtherType ARP, IPv4 or IPv6;
// - ARP: an Ethernet/IPv4 reply from one of our addresses to the asker;
// - IPv4: a 20-byte header whose lengths match the frame, valid header
//   checksum, not a fragment, from one of our addresses to the request's
//   source, carrying an ICMP echo reply (checksum valid, identifier,
//   sequence and data of the request) or a UDP echo (lengths consistent,
//   checksum valid and non-zero, ports swapped, payload of the request);
// - IPv6: a fixed header whose payload length matches the frame, from one
//   of our addresses, carrying an ICMPv6 echo reply, a neighbour
//   advertisement for one of our addresses (hop limit 255) or a UDP echo,
//   each with a valid checksum over the pseudo header.
void CheckReply(std::span<const uint8_t> frame, const Request& req,
                const responder::ResponderConfig& config, MacAddress ours);

}  // namespace fdlink::fuzz

#endif  // FDLINK_TESTS_FUZZ_SUPPORT_REPLY_ORACLE_H_
