// UdpView: the 8-byte UDP header (RFC 768) and its payload.
#ifndef FDLINK_HEADER_UDP_H_
#define FDLINK_HEADER_UDP_H_

#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"

namespace fdlink::header {

inline constexpr size_t kUdpMinimumSize = 8;
inline constexpr size_t kUdpChecksumOffset = 6;

namespace internal {
Result<void> ValidateUdp(std::span<const uint8_t> b);
}  // namespace internal

// UdpView is a view over a UDP datagram (header + payload). Byte is const
// uint8_t (alias Udp) or uint8_t (alias MutableUdp, with setters). The
// buffer may extend past length(); payload() stops there. The caller keeps
// the bytes alive.
template <typename Byte>
class UdpView : public ByteView<Byte> {
 public:
  // UdpView wraps b unchecked: the caller guarantees b holds at least
  // kUdpMinimumSize bytes. payload() is clamped to b.
  explicit UdpView(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kUdpMinimumSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> UdpView(
      UdpView<B> o)  // NOLINT: implicit like span
      : UdpView(o.bytes()) {}

  // Parse checks that b holds 8 bytes and 8 <= length <= b.size(); else
  // Errc::kMalformed.
  static Result<UdpView> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateUdp(b); !r) return r.error();
    return UdpView(b);
  }

  // src_port, dst_port and checksum return the header fields.
  uint16_t src_port() const { return this->Be16(0); }
  uint16_t dst_port() const { return this->Be16(2); }
  // length covers the header and payload, in bytes.
  uint16_t length() const { return this->Be16(4); }
  uint16_t checksum() const { return this->Be16(kUdpChecksumOffset); }
  // payload returns the bytes from 8 to length().
  std::span<Byte> payload() const {
    return this->Range(kUdpMinimumSize, length());
  }

  // SetSrcPort, SetDstPort, SetLength and SetChecksum write one field
  // each; the checksum is not updated (see UdpChecksum).
  void SetSrcPort(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(0, v);
  }
  void SetDstPort(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(2, v);
  }
  void SetLength(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(4, v);
  }
  void SetChecksum(uint16_t v) requires WritableByte<Byte> {
    this->SetBe16(kUdpChecksumOffset, v);
  }
};

using Udp = UdpView<const uint8_t>;
using MutableUdp = UdpView<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_UDP_H_
