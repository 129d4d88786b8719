// EthernetView: the 14-byte Ethernet II header (destination MAC, source
// MAC, EtherType), plus EtherType constants and MAC address predicates.
// MAC addresses are plain std::array<uint8_t, 6> here; the stack's
// MacAddress (fdlink/header/mac_address.h) is built from them.
#ifndef FDLINK_HEADER_ETHERNET_H_
#define FDLINK_HEADER_ETHERNET_H_

#include <array>
#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"

namespace fdlink::header {

inline constexpr size_t kEthernetHeaderSize = 14;
inline constexpr size_t kEthernetAddressSize = 6;

// EtherType values.
namespace ether_type {
inline constexpr uint16_t kIPv4 = 0x0800;
inline constexpr uint16_t kARP = 0x0806;
inline constexpr uint16_t kIPv6 = 0x86DD;
}  // namespace ether_type

// kEthernetBroadcast is ff:ff:ff:ff:ff:ff.
inline constexpr std::array<uint8_t, kEthernetAddressSize> kEthernetBroadcast =
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// IsGroupAddress reports whether mac is a multicast or broadcast address
// (the I/G bit, the lowest bit of the first byte, is set).
constexpr bool IsGroupAddress(
    std::span<const uint8_t, kEthernetAddressSize> mac) {
  return (mac[0] & 0x01) != 0;
}

namespace internal {
Result<void> ValidateEthernet(std::span<const uint8_t> b);
}  // namespace internal

// EthernetView is a view over an Ethernet II frame. Byte is const uint8_t
// (alias Ethernet) or uint8_t (alias MutableEthernet, which adds setters).
// The caller keeps the bytes alive while the view is used.
template <typename Byte>
class EthernetView : public ByteView<Byte> {
 public:
  // Mac is the byte array of one MAC address.
  using Mac = std::array<uint8_t, kEthernetAddressSize>;

  // EthernetView wraps b unchecked: the caller guarantees b holds at least
  // kEthernetHeaderSize bytes.
  explicit EthernetView(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kEthernetHeaderSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> EthernetView(
      EthernetView<B> o)  // NOLINT: implicit like span
      : EthernetView(o.bytes()) {}

  // Parse checks that b holds a whole header; else Errc::kMalformed.
  static Result<EthernetView> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateEthernet(b); !r) return r.error();
    return EthernetView(b);
  }

  // dst, src and ether_type return the header fields.
  Mac dst() const { return this->template CopyOut<kEthernetAddressSize>(0); }
  Mac src() const {
    return this->template CopyOut<kEthernetAddressSize>(kEthernetAddressSize);
  }
  uint16_t ether_type() const { return this->Be16(12); }
  // payload returns the bytes after the header (including any padding).
  std::span<Byte> payload() const {
    return this->bytes().subspan(kEthernetHeaderSize);
  }

  // SetDst, SetSrc and SetEtherType write the header fields.
  void SetDst(std::span<const uint8_t, kEthernetAddressSize> mac) requires
      WritableByte<Byte> {
    this->CopyIn(0, mac);
  }
  void SetSrc(std::span<const uint8_t, kEthernetAddressSize> mac) requires
      WritableByte<Byte> {
    this->CopyIn(kEthernetAddressSize, mac);
  }
  void SetEtherType(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(12, v);
  }
};

using Ethernet = EthernetView<const uint8_t>;
using MutableEthernet = EthernetView<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_ETHERNET_H_
