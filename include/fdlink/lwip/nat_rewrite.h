// ParseFlow and RewriteFlow: reading a TCP/UDP flow out of an IP packet and
// rewriting its addresses and ports in place with exact incremental
// checksum updates (RFC 1624), for the lwip adapter's translation.
#ifndef FDLINK_LWIP_NAT_REWRITE_H_
#define FDLINK_LWIP_NAT_REWRITE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "fdlink/lwip/nat_table.h"

namespace fdlink::lwip {

// ParsedFlow is what ParseFlow found in a packet.
struct ParsedFlow {
  FlowKey key;                   // proto, src and dst as in the packet.
  size_t l4_offset = 0;          // Offset of the TCP/UDP header in the packet.
  size_t l4_size = 0;            // Its bytes to the IP length's end.
  uint8_t tcp_flags = 0;         // The TCP flags byte (0 for UDP).
  bool udp_no_checksum = false;  // IPv4 UDP with checksum field 0.
};

// ParseFlow reads `ip` (an IPv4 or IPv6 packet from its network header
// on). It returns the flow of an unfragmented TCP or UDP packet whose
// headers are all present (IPv4 with options is fine; IPv6 only with TCP
// or UDP as the first next header), and nullopt for anything else
// (other protocols, fragments, extension headers, truncated or malformed
// headers). It does not check checksums.
std::optional<ParsedFlow> ParseFlow(std::span<const uint8_t> ip);

// RewriteFlow sets the packet's source to `src` and destination to `dst`
// (addresses and ports; families must match the packet's) and updates the
// IPv4 header checksum and the TCP/UDP checksum incrementally, so a packet
// whose checksums were right before still verifies (an IPv4 UDP packet
// without a checksum keeps none). `ip` and `flow` must come from one
// successful ParseFlow.
void RewriteFlow(std::span<uint8_t> ip, const ParsedFlow& flow,
                 const FlowAddr& src, const FlowAddr& dst);

}  // namespace fdlink::lwip

#endif  // FDLINK_LWIP_NAT_REWRITE_H_
