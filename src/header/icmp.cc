#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "header/malformed.h"

namespace fdlink::header::internal {

Result<void> ValidateIcmpv4(std::span<const uint8_t> b) {
  if (b.size() < kIcmpv4MinimumSize) return Malformed("icmpv4: truncated");
  return Ok();
}

Result<void> ValidateIcmpv6(std::span<const uint8_t> b) {
  if (b.size() < kIcmpv6MinimumSize) return Malformed("icmpv6: truncated");
  return Ok();
}

}  // namespace fdlink::header::internal
