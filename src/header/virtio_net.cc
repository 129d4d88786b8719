#include "fdlink/header/virtio_net.h"

#include "header/malformed.h"

namespace fdlink::header::internal {

Result<void> ValidateVirtioNetHeader(std::span<const uint8_t> b) {
  if (b.size() < kVirtioNetHeaderSize) {
    return Malformed("virtio_net: truncated");
  }
  return Ok();
}

}  // namespace fdlink::header::internal
