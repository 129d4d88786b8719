// VirtioNetHeaderView: the 10-byte struct virtio_net_hdr (virtio spec
// 5.1.6) that precedes each packet on a TAP/packet socket with a vnet
// header. Its multi-byte fields are little-endian (the legacy/modern
// little-endian layout Linux uses for TUN and AF_PACKET).
#ifndef FDLINK_HEADER_VIRTIO_NET_H_
#define FDLINK_HEADER_VIRTIO_NET_H_

#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"

namespace fdlink::header {

// kVirtioNetHeaderSize is the one name for the header's size, used by the
// device layer (TUNSETVNETHDRSZ) and the endpoint (host GSO) alike.
inline constexpr size_t kVirtioNetHeaderSize = 10;

// Values of the flags and gso_type fields.
namespace virtio_net {
inline constexpr uint8_t kFlagNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr uint8_t kFlagDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
inline constexpr uint8_t kGsoNone = 0;
inline constexpr uint8_t kGsoTcpV4 = 1;
inline constexpr uint8_t kGsoUdp = 3;
inline constexpr uint8_t kGsoTcpV6 = 4;
inline constexpr uint8_t kGsoUdpL4 = 5;   // VIRTIO_NET_HDR_GSO_UDP_L4 (USO)
inline constexpr uint8_t kGsoEcn = 0x80;  // Flag bit ORed into gso_type.
}  // namespace virtio_net

namespace internal {
Result<void> ValidateVirtioNetHeader(std::span<const uint8_t> b);
}  // namespace internal

// VirtioNetHeaderView is a view over a virtio_net_hdr. Byte is const
// uint8_t (alias VirtioNetHeader) or uint8_t (alias MutableVirtioNetHeader,
// with setters). The caller keeps the bytes alive.
template <typename Byte>
class VirtioNetHeaderView : public ByteView<Byte> {
 public:
  // VirtioNetHeaderView wraps b unchecked: the caller guarantees b holds at
  // least kVirtioNetHeaderSize bytes.
  explicit VirtioNetHeaderView(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kVirtioNetHeaderSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> VirtioNetHeaderView(
      VirtioNetHeaderView<B> o)  // NOLINT: implicit
      : VirtioNetHeaderView(o.bytes()) {}

  // Parse checks that b holds 10 bytes; else Errc::kMalformed. Field
  // values are not checked.
  static Result<VirtioNetHeaderView> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateVirtioNetHeader(b); !r) {
      return r.error();
    }
    return VirtioNetHeaderView(b);
  }

  // flags (virtio_net::kFlag*) and gso_type (virtio_net::kGso*).
  uint8_t flags() const { return this->U8(0); }
  uint8_t gso_type() const { return this->U8(1); }
  // hdr_len is the length of the headers before the GSO payload.
  uint16_t hdr_len() const { return this->Le16(2); }
  // gso_size is the payload size of each segment (the MSS).
  uint16_t gso_size() const { return this->Le16(4); }
  // csum_start is where checksumming starts; csum_offset is where, from
  // csum_start, the checksum is stored (with kFlagNeedsCsum).
  uint16_t csum_start() const { return this->Le16(6); }
  uint16_t csum_offset() const { return this->Le16(8); }

  // SetFlags ... SetCsumOffset write one field each (little-endian).
  void SetFlags(uint8_t v) requires WritableByte<Byte> { this->SetU8(0, v); }
  void SetGsoType(uint8_t v) requires WritableByte<Byte> { this->SetU8(1, v); }
  void SetHdrLen(uint16_t v) requires WritableByte<Byte> {
    this->SetLe16(2, v);
  }
  void SetGsoSize(uint16_t v) requires WritableByte<Byte> {
    this->SetLe16(4, v);
  }
  void SetCsumStart(uint16_t v) requires WritableByte<Byte> {
    this->SetLe16(6, v);
  }
  void SetCsumOffset(uint16_t v) requires WritableByte<Byte> {
    this->SetLe16(8, v);
  }
};

using VirtioNetHeader = VirtioNetHeaderView<const uint8_t>;
using MutableVirtioNetHeader = VirtioNetHeaderView<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_VIRTIO_NET_H_
