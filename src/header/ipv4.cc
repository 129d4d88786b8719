#include "fdlink/header/ipv4.h"

#include "header/malformed.h"

namespace fdlink::header::internal {
Result<void> ValidateIpv4(std::span<const uint8_t> b) {
  if (b.size() < kIpv4MinimumSize) return Malformed("ipv4: truncated");
  if ((b[0] >> 4) != kIpv4Version) return Malformed("ipv4: bad version");
  size_t header_length = size_t{b[0] & 0x0fu} * 4;
  if (header_length < kIpv4MinimumSize) return Malformed("ipv4: bad ihl");
  if (header_length > b.size()) return Malformed("ipv4: header truncated");
  size_t total_length = LoadBe16(b, 2);
  if (total_length < header_length) {
    return Malformed("ipv4: total length below header length");
  }
  if (total_length > b.size()) {
    return Malformed("ipv4: total length exceeds buffer");
  }
  return Ok();
}

}  // namespace fdlink::header::internal
