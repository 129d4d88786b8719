// Walking the IPv6 extension-header chain (RFC 8200 section 4): hop-by-hop
// options (0), routing (43), fragment (44) and destination options (60),
// up to the upper-layer (transport) header.
#ifndef FDLINK_HEADER_IPV6_EXTENSIONS_H_
#define FDLINK_HEADER_IPV6_EXTENSIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/header/ipv6.h"

namespace fdlink::header {

inline constexpr size_t kIpv6FragmentHeaderSize = 8;

// IsIpv6ExtensionHeader reports whether next-header value `type` is one of
// the extension headers the walker steps over.
bool IsIpv6ExtensionHeader(uint8_t type);

// Ipv6ExtensionHeader is one extension header found by the walker. `bytes`
// points into the packet the walker was built on.
struct Ipv6ExtensionHeader {
  uint8_t type = 0;                // ip_proto::kIpv6HopByHop, ...Routing, ...
  uint8_t next_header = 0;         // The Next Header field inside this header.
  size_t offset = 0;               // From the start of the IPv6 fixed header.
  std::span<const uint8_t> bytes;  // The whole extension header.
};

// Ipv6FragmentInfo is the content of a fragment header.
struct Ipv6FragmentInfo {
  uint16_t offset = 0;  // Fragment offset in bytes (a multiple of 8).
  bool more = false;    // The M flag: more fragments follow.
  uint32_t id = 0;      // Identification.

  friend bool operator==(const Ipv6FragmentInfo&,
                         const Ipv6FragmentInfo&) = default;
};

// Ipv6ExtensionWalker steps through the extension headers of one packet.
// It is a small value that borrows the packet bytes; not thread-safe.
//
// Rules: hop-by-hop may only come first; at most one fragment header; a
// header that does not fit in the payload is Errc::kMalformed. After a
// fragment header with a non-zero offset the walk stops: what follows is
// fragment data, not headers, so protocol()/offset() then name the
// fragment's next header and where its data starts.
class Ipv6ExtensionWalker {
 public:
  // Ipv6ExtensionWalker starts at the fixed header of `packet`, which
  // should come from Ipv6::Parse (the walk is bounded by the buffer in any
  // case).
  explicit Ipv6ExtensionWalker(Ipv6 packet);

  // Next returns the next extension header; std::nullopt once the
  // upper-layer header is reached (and on every later call); or
  // Errc::kMalformed, after which the walker must not be used.
  Result<std::optional<Ipv6ExtensionHeader>> Next();

  // protocol is the next-header value at the current position: after Next
  // returned nullopt, the upper-layer protocol (which may be
  // ip_proto::kIpv6NoNextHeader).
  uint8_t protocol() const { return next_; }
  // offset is the current position from the start of the fixed header:
  // after Next returned nullopt, where the upper-layer header starts.
  size_t offset() const { return offset_; }
  // fragment is the fragment header seen so far, if any.
  const std::optional<Ipv6FragmentInfo>& fragment() const { return fragment_; }

 private:
  std::span<const uint8_t> packet_;  // Fixed header + payload.
  size_t offset_;
  uint8_t next_;
  bool done_ = false;
  std::optional<Ipv6FragmentInfo> fragment_;
};

// Ipv6RoutingSegmentsLeft is the Segments Left field of routing header `h`
// (RFC 8200 4.4); Ipv6RoutingType its Routing Type (0 is the deprecated
// type 0, RFC 5095). `h` must be a routing header from the walker.
inline uint8_t Ipv6RoutingType(const Ipv6ExtensionHeader& h) {
  return h.bytes[2];
}
inline uint8_t Ipv6RoutingSegmentsLeft(const Ipv6ExtensionHeader& h) {
  return h.bytes[3];
}

// Ipv6OptionsDemandDiscard walks the options of a hop-by-hop or destination
// options header `h` and reports whether one of them says to discard the
// packet: an option other than Pad1 and PadN (the only ones this library
// knows) whose two high type bits are 01, 10 or 11 (RFC 8200 4.2).
// Errc::kMalformed when an option runs past the header.
Result<bool> Ipv6OptionsDemandDiscard(const Ipv6ExtensionHeader& h);

// Ipv6TransportInfo summarises a whole walk.
struct Ipv6TransportInfo {
  uint8_t protocol = 0;  // The upper-layer protocol.
  size_t offset = 0;     // Its offset from the start of the fixed header.
  std::optional<Ipv6FragmentInfo> fragment;  // Set if a fragment header.
};

// FindIpv6Transport walks every extension header of `packet` and reports
// where the upper-layer header is; Errc::kMalformed if the chain is bad.
Result<Ipv6TransportInfo> FindIpv6Transport(Ipv6 packet);

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_IPV6_EXTENSIONS_H_
