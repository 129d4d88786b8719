// Packet builders: write the IPv4 or IPv6 and UDP headers of a whole,
// valid packet into a caller's buffer, checksums included. One copy for
// the tests, the micro-benchmarks and the tool's traffic generators.
#ifndef FDLINK_HEADER_BUILDER_H_
#define FDLINK_HEADER_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::header {

// UdpPorts names a UDP datagram's source and destination ports.
struct UdpPorts {
  uint16_t src = 0;
  uint16_t dst = 0;
};

// kIpv6PadExtensionsSize is what WriteIpv6Udp's `pad_extensions` adds: a
// hop-by-hop and a destination-options header of 8 bytes each.
inline constexpr size_t kIpv6PadExtensionsSize = 16;

// WriteIpv4Udp writes a 20-byte IPv4 header (TTL 64, no options, ID,
// flags and TOS zero) and a UDP header at the front of `packet`, which is
// the whole packet: every byte past the 28 header bytes is UDP payload and
// is left as the caller put it. The IPv4 and UDP checksums are computed
// over the final bytes, so fill the payload first. Errc::kInvalidArgument
// if `packet` is shorter than 28 or longer than 65535 bytes.
Result<void> WriteIpv4Udp(std::span<uint8_t> packet, const Ipv4Address& src,
                          const Ipv4Address& dst, UdpPorts ports);

// WriteIpv6Udp writes a 40-byte IPv6 header (hop limit 64, traffic class
// and flow label zero) and a UDP header at the front of `packet`, the whole
// packet, like WriteIpv4Udp. With `pad_extensions`, a hop-by-hop and then a
// destination-options header (8 bytes each, one 4-byte PadN option) sit
// between the fixed header and UDP. Errc::kInvalidArgument if `packet`
// cannot hold the headers or its payload length exceeds 65535.
Result<void> WriteIpv6Udp(std::span<uint8_t> packet, const Ipv6Address& src,
                          const Ipv6Address& dst, UdpPorts ports,
                          bool pad_extensions = false);

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_BUILDER_H_
