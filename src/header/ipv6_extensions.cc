#include "fdlink/header/ipv6_extensions.h"

#include "fdlink/header/ip_protocols.h"
#include "header/malformed.h"

namespace fdlink::header {

using internal::Malformed;

bool IsIpv6ExtensionHeader(uint8_t type) {
  switch (type) {
    case ip_proto::kIpv6HopByHop:
    case ip_proto::kIpv6Routing:
    case ip_proto::kIpv6Fragment:
    case ip_proto::kIpv6DestinationOptions:
      return true;
    default:
      return false;
  }
}

Ipv6ExtensionWalker::Ipv6ExtensionWalker(Ipv6 packet)
    : packet_(packet.packet()),
      offset_(kIpv6FixedHeaderSize),
      next_(packet.next_header()) {}

Result<std::optional<Ipv6ExtensionHeader>> Ipv6ExtensionWalker::Next() {
  using NoHeader = std::optional<Ipv6ExtensionHeader>;
  if (done_ || !IsIpv6ExtensionHeader(next_)) {
    done_ = true;
    return NoHeader();
  }
  if (next_ == ip_proto::kIpv6HopByHop && offset_ != kIpv6FixedHeaderSize) {
    return Malformed("ipv6: hop-by-hop header not first");
  }
  if (packet_.size() - offset_ < 2) {
    return Malformed("ipv6: truncated extension header");
  }
  size_t length = next_ == ip_proto::kIpv6Fragment
                      ? kIpv6FragmentHeaderSize
                      : (size_t{packet_[offset_ + 1]} + 1) * 8;
  if (packet_.size() - offset_ < length) {
    return Malformed("ipv6: truncated extension header");
  }
  Ipv6ExtensionHeader h{next_, packet_[offset_], offset_,
                        packet_.subspan(offset_, length)};
  if (h.type == ip_proto::kIpv6Fragment) {
    if (fragment_) return Malformed("ipv6: duplicate fragment header");
    uint16_t field = LoadBe16(h.bytes, 2);
    fragment_ = Ipv6FragmentInfo{static_cast<uint16_t>(field & 0xfff8),
                                 (field & 1) != 0, LoadBe32(h.bytes, 4)};
    // A later fragment carries data, not the rest of the chain.
    done_ = fragment_->offset != 0;
  }
  offset_ += length;
  next_ = h.next_header;
  return NoHeader(h);
}

Result<bool> Ipv6OptionsDemandDiscard(const Ipv6ExtensionHeader& h) {
  constexpr uint8_t kPad1 = 0, kPadN = 1;
  size_t i = 2;  // After Next Header and Hdr Ext Len.
  while (i < h.bytes.size()) {
    const uint8_t type = h.bytes[i];
    if (type == kPad1) {
      ++i;
      continue;
    }
    if (h.bytes.size() - i < 2 ||
        h.bytes.size() - i - 2 < size_t{h.bytes[i + 1]}) {
      return Malformed("ipv6: option runs past its header");
    }
    if (type != kPadN && (type >> 6) != 0) return true;
    i += 2 + size_t{h.bytes[i + 1]};
  }
  return false;
}

Result<Ipv6TransportInfo> FindIpv6Transport(Ipv6 packet) {
  Ipv6ExtensionWalker walker(packet);
  for (;;) {
    auto h = walker.Next();
    if (!h) return h.error();
    if (!h->has_value()) break;
  }
  return Ipv6TransportInfo{walker.protocol(), walker.offset(),
                           walker.fragment()};
}

}  // namespace fdlink::header
