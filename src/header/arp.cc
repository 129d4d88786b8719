#include "fdlink/header/arp.h"

#include "header/malformed.h"

namespace fdlink::header::internal {

Result<void> ValidateArp(std::span<const uint8_t> b) {
  if (b.size() < kArpSize) return Malformed("arp: truncated");
  if (LoadBe16(b, 0) != kArpHardwareEthernet ||
      LoadBe16(b, 2) != ether_type::kIPv4 || b[4] != kEthernetAddressSize ||
      b[5] != kIpv4AddressSize) {
    return Malformed("arp: not ethernet/ipv4");
  }
  return Ok();
}

}  // namespace fdlink::header::internal
