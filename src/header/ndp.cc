#include "fdlink/header/ndp.h"

#include <algorithm>

#include "fdlink/header/icmpv6.h"
#include "header/malformed.h"

namespace fdlink::header {
namespace {

// OptionLength returns the byte length of the option at the start of rest,
// or 0 if it is zero-length or does not fit.
size_t OptionLength(std::span<const uint8_t> rest) {
  if (rest.size() < 2) return 0;
  size_t length = size_t{rest[1]} * 8;
  return length <= rest.size() ? length : 0;
}

}  // namespace

NdpOptions::Iterator::Iterator(std::span<const uint8_t> rest) : rest_(rest) {
  if (OptionLength(rest_) == 0) rest_ = rest_.last(0);
}

NdpOption NdpOptions::Iterator::operator*() const {
  return NdpOption{rest_[0], rest_.subspan(2, OptionLength(rest_) - 2)};
}

NdpOptions::Iterator& NdpOptions::Iterator::operator++() {
  *this = Iterator(rest_.subspan(OptionLength(rest_)));
  return *this;
}

std::optional<std::array<uint8_t, 6>> NdpOptions::LinkLayerAddress(
    uint8_t type) const {
  for (NdpOption o : *this) {
    if (o.type == type && o.body.size() >= 6) {
      std::array<uint8_t, 6> mac;
      std::copy_n(o.body.begin(), 6, mac.begin());
      return mac;
    }
  }
  return std::nullopt;
}

void WriteNdpLinkLayerAddressOption(
    std::span<uint8_t, kNdpLinkLayerAddressOptionSize> out, uint8_t type,
    std::span<const uint8_t, 6> mac) {
  out[0] = type;
  out[1] = kNdpLinkLayerAddressOptionSize / 8;
  std::copy(mac.begin(), mac.end(), out.begin() + 2);
}

namespace internal {

Result<void> ValidateNdpOptions(std::span<const uint8_t> b) {
  while (!b.empty()) {
    if (b.size() < 2) return Malformed("ndp: truncated option");
    if (b[1] == 0) return Malformed("ndp: zero-length option");
    size_t length = OptionLength(b);
    if (length == 0) return Malformed("ndp: truncated option");
    b = b.subspan(length);
  }
  return Ok();
}

Result<void> ValidateNdpNeighbor(std::span<const uint8_t> b) {
  if (b.size() < kNdpNeighborMinimumSize) return Malformed("ndp: truncated");
  if (b[0] != icmpv6_type::kNeighborSolicitation &&
      b[0] != icmpv6_type::kNeighborAdvertisement) {
    return Malformed("ndp: not a neighbor message");
  }
  if (b[1] != 0) return Malformed("ndp: bad code");
  return ValidateNdpOptions(b.subspan(kNdpNeighborMinimumSize));
}

}  // namespace internal
}  // namespace fdlink::header
