#include "fdlink/header/ipv6.h"

#include "header/malformed.h"

namespace fdlink::header::internal {

Result<void> ValidateIpv6(std::span<const uint8_t> b) {
  if (b.size() < kIpv6FixedHeaderSize) return Malformed("ipv6: truncated");
  if ((b[0] >> 4) != kIpv6Version) return Malformed("ipv6: bad version");
  if (kIpv6FixedHeaderSize + LoadBe16(b, 4) > b.size()) {
    return Malformed("ipv6: payload length exceeds buffer");
  }
  return Ok();
}

}  // namespace fdlink::header::internal
