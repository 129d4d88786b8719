#include "fdlink/header/udp.h"

#include "header/malformed.h"

namespace fdlink::header::internal {

Result<void> ValidateUdp(std::span<const uint8_t> b) {
  if (b.size() < kUdpMinimumSize) return Malformed("udp: truncated");
  size_t length = LoadBe16(b, 4);
  if (length < kUdpMinimumSize) return Malformed("udp: bad length");
  if (length > b.size()) return Malformed("udp: length exceeds buffer");
  return Ok();
}

}  // namespace fdlink::header::internal
