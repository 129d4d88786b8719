#include "fdlink/device/cidr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace fdlink::device {
namespace {

constexpr Error kBadCidr{Errc::kInvalidArgument, 0,
                         "bad CIDR: expected ADDR/PREFIX"};

// ParsePrefix reads 1 to 3 decimal digits no larger than `max`.
bool ParsePrefix(std::string_view text, int max, int* out) {
  if (text.empty() || text.size() > 3) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > max) return false;
  *out = value;
  return true;
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return kBadCidr;
  // inet_pton needs a NUL-terminated string; the longest IPv6 text form is
  // INET6_ADDRSTRLEN - 1 characters.
  std::string_view addr_text = text.substr(0, slash);
  if (addr_text.size() >= INET6_ADDRSTRLEN) return kBadCidr;
  std::string addr_str(addr_text);

  Cidr cidr;
  int max_prefix;
  if (::inet_pton(AF_INET, addr_str.c_str(), cidr.addr.data()) == 1) {
    cidr.family = AF_INET;
    max_prefix = 32;
  } else if (::inet_pton(AF_INET6, addr_str.c_str(), cidr.addr.data()) == 1) {
    cidr.family = AF_INET6;
    max_prefix = 128;
  } else {
    return kBadCidr;
  }
  if (!ParsePrefix(text.substr(slash + 1), max_prefix, &cidr.prefix_len))
    return kBadCidr;
  return cidr;
}

std::string Cidr::ToString() const {
  if (family != AF_INET && family != AF_INET6) return "<invalid>";
  char buf[INET6_ADDRSTRLEN];
  if (::inet_ntop(family, addr.data(), buf, sizeof(buf)) == nullptr)
    return "<invalid>";
  return std::string(buf) + "/" + std::to_string(prefix_len);
}

size_t Cidr::AddressLength() const {
  switch (family) {
    case AF_INET:
      return 4;
    case AF_INET6:
      return 16;
    default:
      return 0;
  }
}

}  // namespace fdlink::device
