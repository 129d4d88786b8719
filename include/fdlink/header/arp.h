// ArpView: an ARP packet for IPv4 over Ethernet (RFC 826), the only kind
// fdlink handles: hardware type 1, protocol type 0x0800, 6-byte hardware
// and 4-byte protocol addresses.
#ifndef FDLINK_HEADER_ARP_H_
#define FDLINK_HEADER_ARP_H_

#include <array>
#include <cassert>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::header {

// kArpSize is the size of an Ethernet/IPv4 ARP packet.
inline constexpr size_t kArpSize = 28;
// kArpHardwareEthernet is the ARP hardware type of Ethernet.
inline constexpr uint16_t kArpHardwareEthernet = 1;

// ARP operation codes.
namespace arp_op {
inline constexpr uint16_t kRequest = 1;
inline constexpr uint16_t kReply = 2;
}  // namespace arp_op

namespace internal {
Result<void> ValidateArp(std::span<const uint8_t> b);
}  // namespace internal

// ArpView is a view over an ARP packet (the Ethernet payload). Byte is
// const uint8_t (alias Arp) or uint8_t (alias MutableArp, with setters).
// The caller keeps the bytes alive while the view is used.
template <typename Byte>
class ArpView : public ByteView<Byte> {
 public:
  // Mac is the byte array of one MAC address.
  using Mac = std::array<uint8_t, kEthernetAddressSize>;

  // ArpView wraps b unchecked: the caller guarantees b holds kArpSize bytes.
  explicit ArpView(std::span<Byte> b) : ByteView<Byte>(b) {
    assert(b.size() >= kArpSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> ArpView(
      ArpView<B> o)  // NOLINT: implicit like span
      : ArpView(o.bytes()) {}

  // Parse checks that b holds kArpSize bytes of an Ethernet/IPv4 ARP packet
  // (htype 1, ptype 0x0800, hlen 6, plen 4); else Errc::kMalformed.
  static Result<ArpView> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateArp(b); !r) return r.error();
    return ArpView(b);
  }

  // hardware_type ... target_protocol_address return the packet fields.
  uint16_t hardware_type() const { return this->Be16(0); }
  uint16_t protocol_type() const { return this->Be16(2); }
  uint8_t hardware_length() const { return this->U8(4); }
  uint8_t protocol_length() const { return this->U8(5); }
  // op is arp_op::kRequest or arp_op::kReply (or anything a peer sent).
  uint16_t op() const { return this->Be16(6); }
  Mac sender_hardware_address() const {
    return this->template CopyOut<kEthernetAddressSize>(8);
  }
  Ipv4Address sender_protocol_address() const {
    return Ipv4Address::FromBytes(this->template Fixed<kIpv4AddressSize>(14));
  }
  Mac target_hardware_address() const {
    return this->template CopyOut<kEthernetAddressSize>(18);
  }
  Ipv4Address target_protocol_address() const {
    return Ipv4Address::FromBytes(this->template Fixed<kIpv4AddressSize>(24));
  }

  // SetIpv4OverEthernet writes htype, ptype, hlen and plen for an
  // Ethernet/IPv4 packet.
  void SetIpv4OverEthernet() requires WritableByte<Byte> {
    this->SetBe16(0, kArpHardwareEthernet);
    this->SetBe16(2, ether_type::kIPv4);
    this->SetU8(4, kEthernetAddressSize);
    this->SetU8(5, kIpv4AddressSize);
  }
  // SetOp and the Set*Address setters write the packet fields.
  void SetOp(uint16_t v) requires WritableByte<Byte> { this->SetBe16(6, v); }
  void SetSenderHardwareAddress(std::span<const uint8_t, 6> mac) requires
      WritableByte<Byte> {
    this->CopyIn(8, mac);
  }
  void SetSenderProtocolAddress(const Ipv4Address& a) requires
      WritableByte<Byte> {
    this->CopyIn(14, a.bytes());
  }
  void SetTargetHardwareAddress(std::span<const uint8_t, 6> mac) requires
      WritableByte<Byte> {
    this->CopyIn(18, mac);
  }
  void SetTargetProtocolAddress(const Ipv4Address& a) requires
      WritableByte<Byte> {
    this->CopyIn(24, a.bytes());
  }
};

using Arp = ArpView<const uint8_t>;
using MutableArp = ArpView<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_ARP_H_
