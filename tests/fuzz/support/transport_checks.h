// CheckTransportParsers: the transport-header parsers (UDP, TCP, ICMPv4,
// ICMPv6) on one upper-layer payload, checked against their documented
// acceptance rules and the lengths they report. Shared by the IPv4 and
// IPv6 header targets.
#ifndef FDLINK_TESTS_FUZZ_SUPPORT_TRANSPORT_CHECKS_H_
#define FDLINK_TESTS_FUZZ_SUPPORT_TRANSPORT_CHECKS_H_

#include <cstdint>
#include <span>

namespace fdlink::fuzz {

// CheckTransportParsers parses `l4` as each transport header and aborts
// (FUZZ_CHECK) when a parser accepts what its contract rejects or the
// reverse, or reports fields and lengths the bytes do not hold.
void CheckTransportParsers(std::span<const uint8_t> l4);

}  // namespace fdlink::fuzz

#endif  // FDLINK_TESTS_FUZZ_SUPPORT_TRANSPORT_CHECKS_H_
