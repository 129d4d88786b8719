// TcpView: the TCP header (RFC 9293) with its options and payload.
#ifndef FDLINK_HEADER_TCP_H_
#define FDLINK_HEADER_TCP_H_

#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"

namespace fdlink::header {

inline constexpr size_t kTcpMinimumSize = 20;
inline constexpr size_t kTcpMaximumHeaderSize = 60;
inline constexpr size_t kTcpChecksumOffset = 16;

// TCP flag bits (the byte at offset 13).
namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace tcp_flag

namespace internal {
Result<void> ValidateTcp(std::span<const uint8_t> b);
}  // namespace internal

// TcpView is a view over a TCP segment (header + payload). Byte is const
// uint8_t (alias Tcp) or uint8_t (alias MutableTcp, with setters). The
// segment is the whole span: its end is given by the IP layer. The caller
// keeps the bytes alive.
template <typename Byte>
class TcpView : public ByteView<Byte> {
 public:
  // TcpView wraps b unchecked: the caller guarantees b holds at least
  // kTcpMinimumSize bytes. options() and payload() are clamped to b.
  explicit TcpView(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kTcpMinimumSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> TcpView(
      TcpView<B> o)  // NOLINT: implicit like span
      : TcpView(o.bytes()) {}

  // Parse checks that b holds 20 bytes and 20 <= data offset <= b.size();
  // else Errc::kMalformed.
  static Result<TcpView> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateTcp(b); !r) return r.error();
    return TcpView(b);
  }

  // src_port, dst_port, seq, ack, window, checksum and urgent_pointer
  // return the header fields of the same name.
  uint16_t src_port() const { return this->Be16(0); }
  uint16_t dst_port() const { return this->Be16(2); }
  uint32_t seq() const { return this->Be32(4); }
  uint32_t ack() const { return this->Be32(8); }
  // data_offset is the header length in bytes (the field counts words).
  size_t data_offset() const { return (size_t{this->U8(12)} >> 4) * 4; }
  // flags is the tcp_flag bit set.
  uint8_t flags() const { return this->U8(13); }
  uint16_t window() const { return this->Be16(14); }
  uint16_t checksum() const { return this->Be16(kTcpChecksumOffset); }
  uint16_t urgent_pointer() const { return this->Be16(18); }
  // options returns the bytes between the fixed header and data_offset().
  std::span<Byte> options() const {
    return this->Range(kTcpMinimumSize, data_offset());
  }
  // payload returns the bytes after data_offset().
  std::span<Byte> payload() const {
    return this->Range(data_offset(), this->size());
  }

  // SetSrcPort, SetDstPort, SetSeq, SetAck, SetFlags, SetWindow,
  // SetChecksum and SetUrgentPointer write one field each; the checksum is
  // not updated (see TcpChecksum).
  void SetSrcPort(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(0, v);
  }
  void SetDstPort(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(2, v);
  }
  void SetSeq(uint32_t v) requires WritableByte<Byte> { this->SetBe32(4, v); }
  void SetAck(uint32_t v) requires WritableByte<Byte> { this->SetBe32(8, v); }
  // SetDataOffset sets the header length in bytes (a multiple of 4 in
  // [20, 60]); the reserved bits are kept.
  void SetDataOffset(size_t bytes) requires WritableByte<Byte> {
    assert(bytes % 4 == 0 && bytes >= kTcpMinimumSize &&
           bytes <= kTcpMaximumHeaderSize);
    this->SetU8(
        12, static_cast<uint8_t>(((bytes / 4) << 4) | (this->U8(12) & 0x0f)));
  }
  void SetFlags(uint8_t v) requires WritableByte<Byte> { this->SetU8(13, v); }
  void SetWindow(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(14, v);
  }
  void SetChecksum(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(kTcpChecksumOffset, v);
  }
  void SetUrgentPointer(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(18, v);
  }
};

using Tcp = TcpView<const uint8_t>;
using MutableTcp = TcpView<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_TCP_H_
