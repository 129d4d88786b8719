// FlowPacket: the IPv4/UDP packets the tool's traffic generators send.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_FLOW_PACKETS_H_
#define FDLINK_TOOLS_FDLINK_COMMON_FLOW_PACKETS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fdlink::tool {

// FlowPacket builds flow `flow`'s IPv4/UDP packet of exactly `size` bytes
// (>= 28; headers included) with valid checksums: from 198.18.0.0/24 to
// 198.19.0.0/24, ports 10000+flow to 20000+3*flow (mod 2^16), and a payload
// pattern that depends on the flow. Distinct flows hash apart.
std::vector<uint8_t> FlowPacket(size_t flow, size_t size);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_FLOW_PACKETS_H_
