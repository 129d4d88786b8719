// Cidr: an interface address with its prefix length, IPv4 or IPv6.
#ifndef FDLINK_DEVICE_CIDR_H_
#define FDLINK_DEVICE_CIDR_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "fdlink/base/result.h"

namespace fdlink::device {

// Cidr is an address plus prefix length, e.g. 198.18.0.1/24 or
// 2001:db8::1/64. `family` is AF_INET or AF_INET6; `addr` holds the address
// in network byte order (the first 4 bytes for IPv4, the rest zero). Host
// bits are kept: this names an interface address, not only a network.
struct Cidr {
  int family = 0;
  std::array<uint8_t, 16> addr{};
  int prefix_len = 0;

  // Parse reads "ADDR/PREFIX" with a dotted IPv4 or textual IPv6 address
  // and a decimal prefix of at most 32 or 128. Anything else is
  // Errc::kInvalidArgument with what "bad CIDR: expected ADDR/PREFIX".
  static Result<Cidr> Parse(std::string_view text);

  // ToString renders the canonical text form ("2001:db8::1/64").
  std::string ToString() const;

  // AddressLength is 4 for IPv4, 16 for IPv6 and 0 for an empty Cidr.
  size_t AddressLength() const;

  friend bool operator==(const Cidr&, const Cidr&) = default;
};

}  // namespace fdlink::device

#endif  // FDLINK_DEVICE_CIDR_H_
