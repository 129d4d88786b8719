// IcmpFields: the layout ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) share — type,
// code, checksum and a 4-byte rest-of-header that echo messages split into
// identifier and sequence number. Use Icmpv4View / Icmpv6View.
#ifndef FDLINK_HEADER_ICMP_FIELDS_H_
#define FDLINK_HEADER_ICMP_FIELDS_H_

#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/header/bytes.h"

namespace fdlink::header {

// kIcmpHeaderSize covers type, code, checksum and the 4-byte
// rest-of-header every ICMPv4 and ICMPv6 message has.
inline constexpr size_t kIcmpHeaderSize = 8;
inline constexpr size_t kIcmpChecksumOffset = 2;

// IcmpFields is the accessor base of Icmpv4View and Icmpv6View; it holds no
// state beyond the span. The caller keeps the bytes alive.
template <typename Byte>
class IcmpFields : public ByteView<Byte> {
 public:
  // type, code and checksum return the header fields.
  uint8_t type() const { return this->U8(0); }
  uint8_t code() const { return this->U8(1); }
  uint16_t checksum() const { return this->Be16(kIcmpChecksumOffset); }
  // ident and sequence are the echo request/reply fields (bytes 4-7).
  uint16_t ident() const { return this->Be16(4); }
  uint16_t sequence() const { return this->Be16(6); }
  // rest_of_header is bytes 4-7 as one word (e.g. the MTU of a
  // packet-too-big message).
  uint32_t rest_of_header() const { return this->Be32(4); }
  // payload returns the bytes after the 8-byte header.
  std::span<Byte> payload() const {
    return this->Range(kIcmpHeaderSize, this->size());
  }

  // SetType, SetCode, SetChecksum, SetIdent, SetSequence and
  // SetRestOfHeader write their fields; the checksum is not updated.
  void SetType(uint8_t v) requires WritableByte<Byte> { this->SetU8(0, v); }
  void SetCode(uint8_t v) requires WritableByte<Byte> { this->SetU8(1, v); }
  void SetChecksum(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(kIcmpChecksumOffset, v);
  }
  void SetIdent(uint16_t v) requires WritableByte<Byte> { this->SetBe16(4, v); }
  void SetSequence(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(6, v);
  }
  void SetRestOfHeader(uint32_t v) requires WritableByte<Byte> {
    this->SetBe32(4, v);
  }

 protected:
  explicit IcmpFields(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kIcmpHeaderSize);
  }
};

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_ICMP_FIELDS_H_
