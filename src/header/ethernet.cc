#include "fdlink/header/ethernet.h"

#include "header/malformed.h"

namespace fdlink::header::internal {

Result<void> ValidateEthernet(std::span<const uint8_t> b) {
  if (b.size() < kEthernetHeaderSize) {
    return Malformed("ethernet: truncated");
  }
  return Ok();
}

}  // namespace fdlink::header::internal
