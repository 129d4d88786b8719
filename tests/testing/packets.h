// Test packet builders: well-formed IPv4/IPv6 UDP packets and Ethernet
// frames, built with fdlink's own header views.
#ifndef FDLINK_TESTS_TESTING_PACKETS_H_
#define FDLINK_TESTS_TESTING_PACKETS_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fdlink/header/mac_address.h"

namespace fdlink::testing {

// Ipv4Udp builds an IPv4/UDP packet from src to dst (dotted quads in
// 198.18.0.0/15) with valid checksums and `payload_size` pattern bytes.
std::vector<uint8_t> Ipv4Udp(std::string_view src, std::string_view dst,
                             uint16_t sport, uint16_t dport,
                             size_t payload_size);
// Ipv6Udp builds an IPv6/UDP packet; with `extensions` it inserts a
// hop-by-hop and a destination-options header (8 bytes each) first.
std::vector<uint8_t> Ipv6Udp(std::string_view src, std::string_view dst,
                             uint16_t sport, uint16_t dport,
                             size_t payload_size, bool extensions = false);
// EthernetFrame prepends an Ethernet header.
std::vector<uint8_t> EthernetFrame(MacAddress dst, MacAddress src,
                                   uint16_t ether_type,
                                   std::span<const uint8_t> payload);
// Pattern returns n bytes of a recognisable pattern starting at `seed`.
std::vector<uint8_t> Pattern(size_t n, uint8_t seed = 0);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_PACKETS_H_
