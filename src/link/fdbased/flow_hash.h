// FlowHash: spreads inbound packets over processors so a flow stays on one.
#ifndef FDLINK_SRC_LINK_FDBASED_FLOW_HASH_H_
#define FDLINK_SRC_LINK_FDBASED_FLOW_HASH_H_

#include <cstdint>
#include <span>

#include "fdlink/header/mac_address.h"

namespace fdlink::fdbased {

// FlowHash hashes the network packet `pkt` (starting at its IP header) of
// protocol `proto` with `seed`: addresses and, for TCP/UDP that is not a
// fragment, ports. Fragments hash without ports so every fragment of a
// datagram lands together. Returns 0 for anything that is not a well-formed
// enough IPv4/IPv6 packet (ARP and the like go to processor 0).
uint32_t FlowHash(uint32_t seed, NetworkProtocolNumber proto,
                  std::span<const uint8_t> pkt);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_FLOW_HASH_H_
