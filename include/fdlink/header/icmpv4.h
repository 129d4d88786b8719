// Icmpv4View: an ICMPv4 message (RFC 792), plus its type constants.
#ifndef FDLINK_HEADER_ICMPV4_H_
#define FDLINK_HEADER_ICMPV4_H_

#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/icmp_fields.h"

namespace fdlink::header {

inline constexpr size_t kIcmpv4MinimumSize = kIcmpHeaderSize;
inline constexpr size_t kIcmpv4ChecksumOffset = kIcmpChecksumOffset;

// ICMPv4 message types.
namespace icmpv4_type {
inline constexpr uint8_t kEchoReply = 0;
inline constexpr uint8_t kDestinationUnreachable = 3;
inline constexpr uint8_t kEchoRequest = 8;
inline constexpr uint8_t kTimeExceeded = 11;
inline constexpr uint8_t kParameterProblem = 12;
}  // namespace icmpv4_type

namespace internal {
Result<void> ValidateIcmpv4(std::span<const uint8_t> b);
}  // namespace internal

// Icmpv4View is a view over an ICMPv4 message (the IPv4 payload). Byte is
// const uint8_t (alias Icmpv4) or uint8_t (alias MutableIcmpv4, with
// setters). The checksum covers the whole span (see Icmpv4Checksum in
// checksum.h). The caller keeps the bytes alive.
template <typename Byte>
class Icmpv4View : public IcmpFields<Byte> {
 public:
  // Icmpv4View wraps b unchecked: the caller guarantees b holds at least
  // kIcmpv4MinimumSize bytes.
  explicit Icmpv4View(std::span<Byte> b) : IcmpFields<Byte>(b) {}
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> Icmpv4View(
      Icmpv4View<B> o)  // NOLINT: implicit like span
      : Icmpv4View(o.bytes()) {}

  // Parse checks that b holds the 8-byte header; else Errc::kMalformed.
  static Result<Icmpv4View> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateIcmpv4(b); !r) return r.error();
    return Icmpv4View(b);
  }
};

using Icmpv4 = Icmpv4View<const uint8_t>;
using MutableIcmpv4 = Icmpv4View<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_ICMPV4_H_
