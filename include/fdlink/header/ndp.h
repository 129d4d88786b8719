// Neighbour Discovery (RFC 4861): NdpNeighborView over a neighbour
// solicitation (135) or advertisement (136) — target address, NA flags and
// options — and NdpOptions, an iterable over the type-length-value options.
#ifndef FDLINK_HEADER_NDP_H_
#define FDLINK_HEADER_NDP_H_

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/icmp_fields.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::header {

// kNdpNeighborMinimumSize is the ICMPv6 header plus the target address.
inline constexpr size_t kNdpNeighborMinimumSize = 24;
// kNdpLinkLayerAddressOptionSize is the size of a source/target
// link-layer address option carrying a 6-byte MAC.
inline constexpr size_t kNdpLinkLayerAddressOptionSize = 8;

// Neighbour advertisement flag bits (NdpNeighborView::flags()).
inline constexpr uint8_t kNdpFlagRouter = 0x80;
inline constexpr uint8_t kNdpFlagSolicited = 0x40;
inline constexpr uint8_t kNdpFlagOverride = 0x20;

// NDP option types.
namespace ndp_option {
inline constexpr uint8_t kSourceLinkLayerAddress = 1;
inline constexpr uint8_t kTargetLinkLayerAddress = 2;
}  // namespace ndp_option

// NdpOption is one option: its type and the bytes after the type and
// length octets (length * 8 - 2 bytes). `body` borrows the packet.
struct NdpOption {
  uint8_t type = 0;
  std::span<const uint8_t> body;
};

// NdpOptions iterates over the options in `b` (the bytes after the fixed
// part of an NDP message). Iteration stops early, without reading out of
// bounds, at an option that is zero-length or runs past the end; views from
// NdpNeighborView::Parse never contain such an option.
class NdpOptions {
 public:
  // Iterator is an input iterator yielding NdpOption values.
  class Iterator {
   public:
    using value_type = NdpOption;
    using difference_type = std::ptrdiff_t;

    Iterator() = default;
    // operator* returns the current option; operator++ moves past it.
    NdpOption operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    // Iterators over the same NdpOptions compare by position.
    friend bool operator==(const Iterator& a, const Iterator& b) {
      return a.rest_.size() == b.rest_.size();
    }

   private:
    friend class NdpOptions;
    explicit Iterator(std::span<const uint8_t> rest);
    // rest_ starts at the current option; empty at the end.
    std::span<const uint8_t> rest_;
  };

  explicit NdpOptions(std::span<const uint8_t> b) : b_(b) {}
  // begin and end delimit the options.
  Iterator begin() const { return Iterator(b_); }
  Iterator end() const { return Iterator(b_.last(0)); }

  // LinkLayerAddress returns the MAC in the first option of `type`
  // (ndp_option::kSourceLinkLayerAddress or kTargetLinkLayerAddress) that
  // is at least 6 bytes long, or nullopt.
  std::optional<std::array<uint8_t, 6>> LinkLayerAddress(uint8_t type) const;

 private:
  std::span<const uint8_t> b_;
};

// WriteNdpLinkLayerAddressOption writes a source or target link-layer
// address option for `mac` into out.
void WriteNdpLinkLayerAddressOption(
    std::span<uint8_t, kNdpLinkLayerAddressOptionSize> out, uint8_t type,
    std::span<const uint8_t, 6> mac);

namespace internal {
Result<void> ValidateNdpOptions(std::span<const uint8_t> b);
Result<void> ValidateNdpNeighbor(std::span<const uint8_t> b);
}  // namespace internal

// NdpNeighborView is a view over a neighbour solicitation or advertisement
// (the whole ICMPv6 message). Byte is const uint8_t (alias NdpNeighbor) or
// uint8_t (alias MutableNdpNeighbor, with setters). The checksum is the
// ICMPv6 one (Icmpv6Checksum). The caller keeps the bytes alive.
template <typename Byte>
class NdpNeighborView : public IcmpFields<Byte> {
 public:
  // NdpNeighborView wraps b unchecked: the caller guarantees b holds at
  // least kNdpNeighborMinimumSize bytes.
  explicit NdpNeighborView(std::span<Byte> b) : IcmpFields<Byte>(b) {
    assert(b.size() >= kNdpNeighborMinimumSize);
  }
  // A mutable view converts to a read-only one.
  template <WritableByte B>
  requires std::is_const_v<Byte> NdpNeighborView(
      NdpNeighborView<B> o)  // NOLINT: implicit like span
      : NdpNeighborView(o.bytes()) {}

  // Parse checks that b is a neighbour solicitation or advertisement with
  // code 0, at least 24 bytes, and options that are each non-zero in
  // length and fit in b; else Errc::kMalformed.
  static Result<NdpNeighborView> Parse(std::span<Byte> b) {
    if (Result<void> r = internal::ValidateNdpNeighbor(b); !r) {
      return r.error();
    }
    return NdpNeighborView(b);
  }

  // flags is the R/S/O byte of an advertisement (0 in a solicitation).
  uint8_t flags() const { return this->U8(4); }
  // router, solicited and override_flag test one bit of flags().
  bool router() const { return (flags() & kNdpFlagRouter) != 0; }
  bool solicited() const { return (flags() & kNdpFlagSolicited) != 0; }
  bool override_flag() const { return (flags() & kNdpFlagOverride) != 0; }
  // target is the target address.
  Ipv6Address target() const {
    return Ipv6Address::FromBytes(this->template Fixed<kIpv6AddressSize>(8));
  }
  // options_bytes returns the raw options area.
  std::span<Byte> options_bytes() const {
    return this->Range(kNdpNeighborMinimumSize, this->size());
  }
  NdpOptions options() const { return NdpOptions(options_bytes()); }

  // SetFlags writes the R/S/O byte and clears the reserved bytes.
  void SetFlags(uint8_t v) requires WritableByte<Byte> {
    this->SetRestOfHeader(uint32_t{v} << 24);
  }
  // SetTarget writes the target address.
  void SetTarget(const Ipv6Address& a) requires WritableByte<Byte> {
    this->CopyIn(8, a.bytes());
  }
};

using NdpNeighbor = NdpNeighborView<const uint8_t>;
using MutableNdpNeighbor = NdpNeighborView<uint8_t>;

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_NDP_H_
