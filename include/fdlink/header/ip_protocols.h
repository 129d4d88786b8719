// IP protocol numbers (the IPv4 Protocol / IPv6 Next Header field values)
// used by fdlink, from the IANA registry.
#ifndef FDLINK_HEADER_IP_PROTOCOLS_H_
#define FDLINK_HEADER_IP_PROTOCOLS_H_

#include <cstdint>

namespace fdlink::header::ip_proto {

inline constexpr uint8_t kIpv6HopByHop = 0;
inline constexpr uint8_t kIcmpv4 = 1;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kIpv6Routing = 43;
inline constexpr uint8_t kIpv6Fragment = 44;
inline constexpr uint8_t kIcmpv6 = 58;
inline constexpr uint8_t kIpv6NoNextHeader = 59;
inline constexpr uint8_t kIpv6DestinationOptions = 60;

}  // namespace fdlink::header::ip_proto

#endif  // FDLINK_HEADER_IP_PROTOCOLS_H_
