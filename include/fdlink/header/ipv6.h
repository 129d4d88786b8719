// Ipv6View: the 40-byte fixed IPv6 header (RFC 8200 section 3). Extension
// headers are walked by fdlink/header/ipv6_extensions.h.
#ifndef FDLINK_HEADER_IPV6_H_
#define FDLINK_HEADER_IPV6_H_

#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::header {

inline constexpr size_t kIpv6FixedHeaderSize = 40;
inline constexpr uint8_t kIpv6Version = 6;

namespace internal {
Result<void> ValidateIpv6(std::span<const uint8_t> b);
}  // namespace internal

// Ipv6View is a view over an IPv6 packet starting at its fixed header.
// Byte is const uint8_t (alias Ipv6) or uint8_t (alias MutableIpv6, with
// setters). The buffer may extend past the packet; payload() stops at
// payload_length(). The caller keeps the bytes alive.
template <typename Byte>
class Ipv6View : public ByteView<Byte> {
 public:
  // Ipv6View wraps b unchecked: the caller guarantees b holds at least
  // kIpv6FixedHeaderSize bytes. payload() is clamped to b.
  explicit Ipv6View(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kIpv6FixedHeaderSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> Ipv6View(
      Ipv6View<B> o)  // NOLINT: implicit like span
      : Ipv6View(o.bytes()) {}

  // Parse checks that b holds the fixed header, the version is 6 and
  // 40 + payload_length fits in b; else Errc::kMalformed. Jumbograms
  // (payload length 0 with a jumbo option) are not supported: a zero
  // payload length means an empty payload.
  static Result<Ipv6View> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateIpv6(b); !r) return r.error();
    return Ipv6View(b);
  }

  // version, traffic_class, flow_label, payload_length, hop_limit, src and
  // dst return the header fields of the same name.
  uint8_t version() const { return this->U8(0) >> 4; }
  uint8_t traffic_class() const {
    return static_cast<uint8_t>((this->Be16(0) >> 4) & 0xff);
  }
  // flow_label is the low 20 bits of the first word.
  uint32_t flow_label() const { return this->Be32(0) & 0xfffff; }
  uint16_t payload_length() const { return this->Be16(4); }
  // next_header is the type of the first extension or upper-layer header.
  uint8_t next_header() const { return this->U8(6); }
  uint8_t hop_limit() const { return this->U8(7); }
  Ipv6Address src() const {
    return Ipv6Address::FromBytes(this->template Fixed<kIpv6AddressSize>(8));
  }
  Ipv6Address dst() const {
    return Ipv6Address::FromBytes(this->template Fixed<kIpv6AddressSize>(24));
  }
  // payload returns the payload_length() bytes after the fixed header
  // (extension headers included).
  std::span<Byte> payload() const {
    return this->Range(kIpv6FixedHeaderSize,
                       kIpv6FixedHeaderSize + payload_length());
  }
  // packet returns the fixed header and payload, without trailing bytes.
  std::span<Byte> packet() const {
    return this->Range(0, kIpv6FixedHeaderSize + payload_length());
  }

  // SetVersion, SetTrafficClass and SetFlowLabel each change only their
  // own bits of the first word.
  void SetVersion(uint8_t v) requires WritableByte<Byte> {
    SetFirstWord(0xf0000000u, uint32_t{v} << 28);
  }
  void SetTrafficClass(uint8_t v) requires WritableByte<Byte> {
    SetFirstWord(0x0ff00000u, uint32_t{v} << 20);
  }
  void SetFlowLabel(uint32_t v) requires WritableByte<Byte> {
    SetFirstWord(0x000fffffu, v);
  }
  // SetPayloadLength, SetNextHeader, SetHopLimit, SetSrc and SetDst write
  // one field each.
  void SetPayloadLength(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(4, v);
  }
  void SetNextHeader(uint8_t v) requires WritableByte<Byte> {
    this->SetU8(6, v);
  }
  void SetHopLimit(uint8_t v) requires WritableByte<Byte> { this->SetU8(7, v); }
  void SetSrc(const Ipv6Address& a) requires WritableByte<Byte> {
    this->CopyIn(8, a.bytes());
  }
  void SetDst(const Ipv6Address& a) requires WritableByte<Byte> {
    this->CopyIn(24, a.bytes());
  }

 private:
  void SetFirstWord(uint32_t mask, uint32_t bits) requires WritableByte<Byte> {
    this->SetBe32(0, (this->Be32(0) & ~mask) | (bits & mask));
  }
};

using Ipv6 = Ipv6View<const uint8_t>;
using MutableIpv6 = Ipv6View<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_IPV6_H_
