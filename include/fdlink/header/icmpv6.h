// Icmpv6View: an ICMPv6 message (RFC 4443), plus its type constants.
// Neighbour discovery messages have their own view in ndp.h.
#ifndef FDLINK_HEADER_ICMPV6_H_
#define FDLINK_HEADER_ICMPV6_H_

#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/icmp_fields.h"

namespace fdlink::header {

inline constexpr size_t kIcmpv6MinimumSize = kIcmpHeaderSize;
inline constexpr size_t kIcmpv6ChecksumOffset = kIcmpChecksumOffset;

// ICMPv6 message types.
namespace icmpv6_type {
inline constexpr uint8_t kDestinationUnreachable = 1;
inline constexpr uint8_t kPacketTooBig = 2;
inline constexpr uint8_t kTimeExceeded = 3;
inline constexpr uint8_t kParameterProblem = 4;
inline constexpr uint8_t kEchoRequest = 128;
inline constexpr uint8_t kEchoReply = 129;
inline constexpr uint8_t kRouterSolicitation = 133;
inline constexpr uint8_t kRouterAdvertisement = 134;
inline constexpr uint8_t kNeighborSolicitation = 135;
inline constexpr uint8_t kNeighborAdvertisement = 136;
}  // namespace icmpv6_type

namespace internal {
Result<void> ValidateIcmpv6(std::span<const uint8_t> b);
}  // namespace internal

// Icmpv6View is a view over an ICMPv6 message (the upper-layer payload of
// an IPv6 packet). Byte is const uint8_t (alias Icmpv6) or uint8_t (alias
// MutableIcmpv6, with setters). The checksum covers a pseudo header and the
// whole span (see Icmpv6Checksum in checksum.h). The caller keeps the bytes
// alive.
template <typename Byte>
class Icmpv6View : public IcmpFields<Byte> {
 public:
  // Icmpv6View wraps b unchecked: the caller guarantees b holds at least
  // kIcmpv6MinimumSize bytes.
  explicit Icmpv6View(std::span<Byte> b) : IcmpFields<Byte>(b) {}
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> Icmpv6View(
      Icmpv6View<B> o)  // NOLINT: implicit like span
      : Icmpv6View(o.bytes()) {}

  // Parse checks that b holds the 8-byte header; else Errc::kMalformed.
  static Result<Icmpv6View> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateIcmpv6(b); !r) return r.error();
    return Icmpv6View(b);
  }
};

using Icmpv6 = Icmpv6View<const uint8_t>;
using MutableIcmpv6 = Icmpv6View<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_ICMPV6_H_
