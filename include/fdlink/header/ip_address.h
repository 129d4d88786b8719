// Ipv4Address and Ipv6Address: small value types for IP addresses in network
// byte order, with text parsing and formatting.
#ifndef FDLINK_HEADER_IP_ADDRESS_H_
#define FDLINK_HEADER_IP_ADDRESS_H_

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fdlink/base/result.h"

namespace fdlink::header {

inline constexpr size_t kIpv4AddressSize = 4;
inline constexpr size_t kIpv6AddressSize = 16;

// Ipv4Address is four bytes in network order. The default value is 0.0.0.0.
class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(const std::array<uint8_t, 4>& b) : b_(b) {}

  // FromBytes copies the address out of packet bytes.
  static Ipv4Address FromBytes(std::span<const uint8_t, kIpv4AddressSize> b) {
    Ipv4Address a;
    std::copy(b.begin(), b.end(), a.b_.begin());
    return a;
  }
  // FromUint32 builds the address whose host-order value is v
  // (0xC6120001 is 198.18.0.1).
  static constexpr Ipv4Address FromUint32(uint32_t v) {
    return Ipv4Address({static_cast<uint8_t>(v >> 24),
                        static_cast<uint8_t>(v >> 16),
                        static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
  }
  // Parse reads dotted-quad text ("198.18.0.1"); anything else is
  // Errc::kInvalidArgument.
  static Result<Ipv4Address> Parse(std::string_view text);

  // bytes returns the address in network order.
  const std::array<uint8_t, 4>& bytes() const { return b_; }
  // ToUint32 returns the host-order value (inverse of FromUint32).
  constexpr uint32_t ToUint32() const {
    return (uint32_t{b_[0]} << 24) | (uint32_t{b_[1]} << 16) |
           (uint32_t{b_[2]} << 8) | uint32_t{b_[3]};
  }
  // IsUnspecified is true for 0.0.0.0; IsBroadcast for 255.255.255.255.
  constexpr bool IsUnspecified() const { return ToUint32() == 0; }
  constexpr bool IsBroadcast() const { return ToUint32() == 0xffffffff; }
  // IsMulticast is true for 224.0.0.0/4.
  constexpr bool IsMulticast() const { return (b_[0] & 0xf0) == 0xe0; }
  // IsLoopback is true for 127.0.0.0/8.
  constexpr bool IsLoopback() const { return b_[0] == 127; }
  // IsClassE is true for the reserved 240.0.0.0/4 (broadcast included).
  constexpr bool IsClassE() const { return (b_[0] & 0xf0) == 0xf0; }
  // ToString formats dotted-quad text.
  std::string ToString() const;

  friend constexpr auto operator<=>(const Ipv4Address&,
                                    const Ipv4Address&) = default;

 private:
  std::array<uint8_t, 4> b_{};
};

// Ipv6Address is sixteen bytes in network order. The default value is ::.
class Ipv6Address {
 public:
  constexpr Ipv6Address() = default;
  constexpr explicit Ipv6Address(const std::array<uint8_t, 16>& b) : b_(b) {}

  // FromBytes copies the address out of packet bytes.
  static Ipv6Address FromBytes(std::span<const uint8_t, kIpv6AddressSize> b) {
    Ipv6Address a;
    std::copy(b.begin(), b.end(), a.b_.begin());
    return a;
  }
  // Parse reads RFC 4291 text ("2001:db8::1", "::ffff:198.18.0.1");
  // anything else is Errc::kInvalidArgument.
  static Result<Ipv6Address> Parse(std::string_view text);

  // bytes returns the address in network order.
  const std::array<uint8_t, 16>& bytes() const { return b_; }
  // IsUnspecified is true for ::.
  bool IsUnspecified() const;
  // IsMulticast is true for ff00::/8.
  constexpr bool IsMulticast() const { return b_[0] == 0xff; }
  // IsLoopback is true for ::1.
  bool IsLoopback() const;
  // IsV4Mapped is true for ::ffff:0:0/96 (RFC 4291 2.5.5.2), which must
  // never appear on the wire as a source.
  bool IsV4Mapped() const;
  // IsLinkLocalUnicast is true for fe80::/10.
  constexpr bool IsLinkLocalUnicast() const {
    return b_[0] == 0xfe && (b_[1] & 0xc0) == 0x80;
  }
  // SolicitedNodeMulticast returns ff02::1:ffXX:XXXX built from the low 24
  // bits of this address (RFC 4291 2.7.1), the destination of a neighbour
  // solicitation for it.
  Ipv6Address SolicitedNodeMulticast() const;
  // ToString formats RFC 5952 text.
  std::string ToString() const;

  friend constexpr auto operator<=>(const Ipv6Address&,
                                    const Ipv6Address&) = default;

 private:
  std::array<uint8_t, 16> b_{};
};

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_IP_ADDRESS_H_
