// Ipv4View: the IPv4 header (RFC 791) with its options, flags, fragment
// fields and header checksum.
#ifndef FDLINK_HEADER_IPV4_H_
#define FDLINK_HEADER_IPV4_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::header {

inline constexpr size_t kIpv4MinimumSize = 20;
inline constexpr size_t kIpv4MaximumHeaderSize = 60;
inline constexpr uint8_t kIpv4Version = 4;
inline constexpr size_t kIpv4ChecksumOffset = 10;

// Bits of the 3-bit flags field (Ipv4View::flags()).
inline constexpr uint8_t kIpv4FlagMoreFragments = 0x1;
inline constexpr uint8_t kIpv4FlagDontFragment = 0x2;

namespace internal {
Result<void> ValidateIpv4(std::span<const uint8_t> b);
}  // namespace internal

// Ipv4View is a view over an IPv4 packet starting at its header. Byte is
// const uint8_t (alias Ipv4) or uint8_t (alias MutableIpv4, with setters).
// The buffer may extend past total_length() (e.g. link padding); payload()
// stops at total_length(). The caller keeps the bytes alive.
template <typename Byte>
class Ipv4View : public ByteView<Byte> {
 public:
  // Ipv4View wraps b unchecked: the caller guarantees b holds at least
  // kIpv4MinimumSize bytes. options() and payload() are clamped to b, so
  // they stay in bounds even when the length fields are wrong.
  explicit Ipv4View(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kIpv4MinimumSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> Ipv4View(
      Ipv4View<B> o)  // NOLINT: implicit like span
      : Ipv4View(o.bytes()) {}

  // Parse validates every length once: b holds 20 bytes, version is 4,
  // IHL >= 5, the header fits in b, and IHL*4 <= total_length <= b.size().
  // Otherwise it returns Errc::kMalformed with `what` naming the problem.
  // The header checksum is not checked (see IsChecksumValid).
  static Result<Ipv4View> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateIpv4(b); !r) return r.error();
    return Ipv4View(b);
  }

  // version, tos, total_length, id, ttl, protocol, checksum, src and dst
  // return the header fields of the same name.
  uint8_t version() const { return this->U8(0) >> 4; }
  // header_length is IHL * 4, in bytes.
  size_t header_length() const { return size_t{this->U8(0) & 0x0fu} * 4; }
  uint8_t tos() const { return this->U8(1); }
  uint16_t total_length() const { return this->Be16(2); }
  uint16_t id() const { return this->Be16(4); }
  // flags is the 3-bit flags field (kIpv4FlagDontFragment, ...MoreFragments).
  uint8_t flags() const { return this->U8(6) >> 5; }
  bool dont_fragment() const { return (flags() & kIpv4FlagDontFragment) != 0; }
  bool more_fragments() const {
    return (flags() & kIpv4FlagMoreFragments) != 0;
  }
  // fragment_offset is in bytes (the field counts 8-byte units).
  uint16_t fragment_offset() const {
    return static_cast<uint16_t>((this->Be16(6) & 0x1fff) * 8);
  }
  // IsFragment is true for any fragment: MF set or a non-zero offset.
  bool IsFragment() const { return more_fragments() || fragment_offset() != 0; }
  uint8_t ttl() const { return this->U8(8); }
  uint8_t protocol() const { return this->U8(9); }
  uint16_t checksum() const { return this->Be16(kIpv4ChecksumOffset); }
  Ipv4Address src() const {
    return Ipv4Address::FromBytes(this->template Fixed<kIpv4AddressSize>(12));
  }
  Ipv4Address dst() const {
    return Ipv4Address::FromBytes(this->template Fixed<kIpv4AddressSize>(16));
  }
  // options returns the bytes between the fixed header and header_length().
  std::span<Byte> options() const {
    return this->Range(kIpv4MinimumSize, header_length());
  }
  // header returns the whole header, options included.
  std::span<Byte> header() const { return this->Range(0, header_length()); }
  // payload returns the bytes from header_length() to total_length().
  std::span<Byte> payload() const {
    return this->Range(header_length(), total_length());
  }

  // CalculateChecksum returns the header checksum field value for the
  // current header (the stored checksum is treated as zero).
  uint16_t CalculateChecksum() const {
    // At least the fixed header, even if IHL is below 5 in an unchecked view.
    std::span<const uint8_t> h =
        this->Range(0, std::max(header_length(), kIpv4MinimumSize));
    uint16_t sum = Checksum(h.first(kIpv4ChecksumOffset));
    sum = Checksum(h.subspan(kIpv4ChecksumOffset + 2), sum);
    return static_cast<uint16_t>(~sum);
  }
  // IsChecksumValid reports whether the stored header checksum is right.
  bool IsChecksumValid() const { return Checksum(header()) == 0xffff; }

  // SetVersion, SetTos, SetTotalLength, SetId, SetTtl, SetProtocol,
  // SetChecksum, SetSrc and SetDst write one field each; nothing else
  // changes (in particular the checksum is not updated).
  void SetVersion(uint8_t v) requires WritableByte<Byte> {
    this->SetU8(0, static_cast<uint8_t>((v << 4) | (this->U8(0) & 0x0f)));
  }
  // SetHeaderLength sets IHL to bytes / 4; bytes is a multiple of 4 in
  // [20, 60]. The version nibble is kept.
  void SetHeaderLength(size_t bytes) requires WritableByte<Byte> {
    assert(bytes % 4 == 0 && bytes >= kIpv4MinimumSize &&
           bytes <= kIpv4MaximumHeaderSize);
    this->SetU8(0, static_cast<uint8_t>((this->U8(0) & 0xf0) | (bytes / 4)));
  }
  void SetTos(uint8_t v) requires WritableByte<Byte> { this->SetU8(1, v); }
  void SetTotalLength(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(2, v);
  }
  void SetId(uint16_t v) requires WritableByte<Byte> { this->SetBe16(4, v); }
  // SetFlags sets the 3-bit flags field; the fragment offset is kept.
  void SetFlags(uint8_t flags) requires WritableByte<Byte> {
    this->SetU8(
        6, static_cast<uint8_t>(((flags & 0x7) << 5) | (this->U8(6) & 0x1f)));
  }
  // SetDontFragment and SetMoreFragments set or clear one flag bit.
  void SetDontFragment(bool on) requires WritableByte<Byte> {
    SetFlag(kIpv4FlagDontFragment, on);
  }
  void SetMoreFragments(bool on) requires WritableByte<Byte> {
    SetFlag(kIpv4FlagMoreFragments, on);
  }
  // SetFragmentOffset sets the offset in bytes (a multiple of 8 below
  // 65536); the flags are kept.
  void SetFragmentOffset(uint16_t bytes) requires WritableByte<Byte> {
    assert(bytes % 8 == 0);
    this->SetBe16(
        6, static_cast<uint16_t>((this->Be16(6) & 0xe000) | (bytes / 8)));
  }
  void SetTtl(uint8_t v) requires WritableByte<Byte> { this->SetU8(8, v); }
  void SetProtocol(uint8_t v) requires WritableByte<Byte> { this->SetU8(9, v); }
  void SetChecksum(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(kIpv4ChecksumOffset, v);
  }
  void SetSrc(const Ipv4Address& a) requires WritableByte<Byte> {
    this->CopyIn(12, a.bytes());
  }
  void SetDst(const Ipv4Address& a) requires WritableByte<Byte> {
    this->CopyIn(16, a.bytes());
  }
  // UpdateChecksum stores CalculateChecksum(); call it after the last
  // header change.
  void UpdateChecksum() requires WritableByte<Byte> {
    SetChecksum(CalculateChecksum());
  }

 private:
  void SetFlag(uint8_t bit, bool on) requires WritableByte<Byte> {
    SetFlags(on ? (flags() | bit) : (flags() & ~bit));
  }
};

using Ipv4 = Ipv4View<const uint8_t>;
using MutableIpv4 = Ipv4View<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_IPV4_H_
