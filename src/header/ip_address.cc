#include "fdlink/header/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace fdlink::header {
namespace {

// PtonInto runs inet_pton on a NUL-terminated copy of text. inet_pton is a
// pure libc parser; it makes no system call.
template <size_t N>
bool PtonInto(int family, std::string_view text, std::array<uint8_t, N>& out) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.size() >= sizeof(buf)) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return inet_pton(family, buf, out.data()) == 1;
}

}  // namespace

Result<Ipv4Address> Ipv4Address::Parse(std::string_view text) {
  std::array<uint8_t, 4> b;
  if (!PtonInto(AF_INET, text, b)) {
    return Error{Errc::kInvalidArgument, 0, "ipv4 address: bad text"};
  }
  return Ipv4Address(b);
}

std::string Ipv4Address::ToString() const {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, b_.data(), buf, sizeof(buf));
  return buf;
}

Result<Ipv6Address> Ipv6Address::Parse(std::string_view text) {
  std::array<uint8_t, 16> b;
  if (!PtonInto(AF_INET6, text, b)) {
    return Error{Errc::kInvalidArgument, 0, "ipv6 address: bad text"};
  }
  return Ipv6Address(b);
}

bool Ipv6Address::IsUnspecified() const {
  return std::all_of(b_.begin(), b_.end(), [](uint8_t x) { return x == 0; });
}

bool Ipv6Address::IsLoopback() const {
  return std::all_of(b_.begin(), b_.end() - 1,
                     [](uint8_t x) { return x == 0; }) &&
         b_[15] == 1;
}

bool Ipv6Address::IsV4Mapped() const {
  return std::all_of(b_.begin(), b_.begin() + 10,
                     [](uint8_t x) { return x == 0; }) &&
         b_[10] == 0xff && b_[11] == 0xff;
}

Ipv6Address Ipv6Address::SolicitedNodeMulticast() const {
  std::array<uint8_t, 16> m = {0xff, 0x02, 0, 0, 0,    0,      0,      0,
                               0,    0,    0, 1, 0xff, b_[13], b_[14], b_[15]};
  return Ipv6Address(m);
}

std::string Ipv6Address::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, b_.data(), buf, sizeof(buf));
  return buf;
}

}  // namespace fdlink::header
