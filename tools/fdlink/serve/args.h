// Checks of `fdlink serve`'s argument values, with messages in the CLI's
// words: which flag, which value, and what is wrong with it. Each check
// returns that message, or "" when the value is fine.
#ifndef FDLINK_TOOLS_FDLINK_SERVE_ARGS_H_
#define FDLINK_TOOLS_FDLINK_SERVE_ARGS_H_

#include <string>
#include <string_view>
#include <variant>

#include "fdlink/device/cidr.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::tool {

// IpArg is an address given on the command line, with the prefix length
// when one was written ("/64"), else -1.
struct IpArg {
  std::variant<header::Ipv4Address, header::Ipv6Address> addr;
  int prefix_len = -1;

  // ToString renders the address without its prefix ("2001:db8::2").
  std::string ToString() const;
};

// ParseIpArg reads `text` given to `flag` ("--addr") into *out: an IPv4
// or IPv6 address, optionally "/PREFIX" (at most 32 or 128). The
// unspecified address (0.0.0.0, ::) is refused. Messages read
// "FLAG TEXT: ...".
std::string ParseIpArg(std::string_view flag, std::string_view text,
                       IpArg* out);

// ParseCidrArg is ParseIpArg with the prefix required, into a Cidr.
std::string ParseCidrArg(std::string_view flag, std::string_view text,
                         device::Cidr* out);

// CheckInterfaceName checks `name` given to `flag` ("--tun") the way the
// kernel does: 1 to 15 bytes, not "." or "..", and no '/', ':' or
// whitespace; the error names the first bad character and its position.
std::string CheckInterfaceName(std::string_view flag, std::string_view name);

// CheckFdOpen checks that descriptor `fd` (from --fd) is open in this
// process: "--fd 99: descriptor 99 is not open".
std::string CheckFdOpen(int fd);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_SERVE_ARGS_H_
