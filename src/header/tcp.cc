#include "fdlink/header/tcp.h"

#include "header/malformed.h"

namespace fdlink::header::internal {

Result<void> ValidateTcp(std::span<const uint8_t> b) {
  if (b.size() < kTcpMinimumSize) return Malformed("tcp: truncated");
  size_t data_offset = (size_t{b[12]} >> 4) * 4;
  if (data_offset < kTcpMinimumSize) return Malformed("tcp: bad data offset");
  if (data_offset > b.size()) return Malformed("tcp: header truncated");
  return Ok();
}

}  // namespace fdlink::header::internal
