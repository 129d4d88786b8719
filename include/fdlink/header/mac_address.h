// MacAddress (gVisor's LinkAddress) and network protocol numbers: the small
// value types shared by the packet model and the stack interfaces. Header-only,
// no dependencies.
#ifndef FDLINK_HEADER_MAC_ADDRESS_H_
#define FDLINK_HEADER_MAC_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fdlink {

// NetworkProtocolNumber is an EtherType value naming a network protocol
// (gVisor's tcpip.NetworkProtocolNumber). 0 means "unknown / none".
using NetworkProtocolNumber = uint16_t;
inline constexpr NetworkProtocolNumber kIPv4ProtocolNumber = 0x0800;
inline constexpr NetworkProtocolNumber kARPProtocolNumber = 0x0806;
inline constexpr NetworkProtocolNumber kIPv6ProtocolNumber = 0x86DD;

// MacAddress is a 48-bit Ethernet (MAC) address. The all-zero address means
// "none" (a link without hardware addresses, like TUN).
class MacAddress {
 public:
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const std::array<uint8_t, 6>& b) : b_(b) {}

  // Parse reads "aa:bb:cc:dd:ee:ff"; nullopt on anything else.
  static std::optional<MacAddress> Parse(std::string_view text);
  static constexpr MacAddress Broadcast() {
    return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  }
  // FromU64/ToU64 pack the six bytes into the low 48 bits (for atomics).
  static constexpr MacAddress FromU64(uint64_t v) {
    std::array<uint8_t, 6> b{};
    for (int i = 5; i >= 0; --i, v >>= 8) b[i] = static_cast<uint8_t>(v);
    return MacAddress(b);
  }
  constexpr uint64_t ToU64() const {
    uint64_t v = 0;
    for (uint8_t x : b_) v = (v << 8) | x;
    return v;
  }

  const std::array<uint8_t, 6>& bytes() const { return b_; }
  const uint8_t* data() const { return b_.data(); }
  // IsGroup is true for multicast and broadcast (I/G bit set).
  constexpr bool IsGroup() const { return (b_[0] & 1) != 0; }
  constexpr bool IsZero() const { return ToU64() == 0; }
  std::string ToString() const;

  friend constexpr bool operator==(const MacAddress&,
                                   const MacAddress&) = default;

 private:
  std::array<uint8_t, 6> b_{};
};

}  // namespace fdlink

#endif  // FDLINK_HEADER_MAC_ADDRESS_H_
