#include "serve/args.h"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

std::string Bad(std::string_view flag, std::string_view text,
                std::string_view why) {
  return std::string(flag) + " " + std::string(text) + ": " + std::string(why);
}

// CharName shows a character for a message: 'x', or its code when it does
// not print.
std::string CharName(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  if (std::isgraph(c)) return std::string("'") + ch + "'";
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%02x (%s)", c,
                c == ' ' ? "space" : "not printable");
  return buf;
}

}  // namespace

std::string IpArg::ToString() const {
  return std::visit([](const auto& a) { return a.ToString(); }, addr);
}

std::string ParseIpArg(std::string_view flag, std::string_view text,
                       IpArg* out) {
  std::string_view addr = text;
  IpArg& arg = *out;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) addr = text.substr(0, slash);
  if (Result<header::Ipv4Address> v4 = header::Ipv4Address::Parse(addr)) {
    if (v4->IsUnspecified())
      return Bad(flag, text,
                 "0.0.0.0 is the unspecified address, not one a "
                 "link can use");
    arg.addr = *v4;
  } else if (Result<header::Ipv6Address> v6 =
                 header::Ipv6Address::Parse(addr)) {
    if (v6->IsUnspecified())
      return Bad(flag, text,
                 ":: is the unspecified address, not one a "
                 "link can use");
    arg.addr = *v6;
  } else {
    return Bad(flag, text,
               "bad address: expected an IPv4 or IPv6 address, optionally "
               "with /PREFIX");
  }
  arg.prefix_len = -1;
  if (slash == std::string_view::npos) return "";
  const std::string_view digits = text.substr(slash + 1);
  const int max = arg.addr.index() == 0 ? 32 : 128;
  int len = -1;
  const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), len);
  if (digits.empty() || ec != std::errc() ||
      end != digits.data() + digits.size() || len < 0) {
    return Bad(flag, text,
               "bad prefix length '" + std::string(digits) +
                   "': expected a number from 0 to " + std::to_string(max));
  }
  if (len > max) {
    return Bad(flag, text,
               "prefix length " + std::to_string(len) + " is over " +
                   std::to_string(max) + ", the most an " +
                   (max == 32 ? "IPv4" : "IPv6") + " address has");
  }
  arg.prefix_len = len;
  return "";
}

std::string ParseCidrArg(std::string_view flag, std::string_view text,
                         device::Cidr* out) {
  IpArg arg;
  if (std::string err = ParseIpArg(flag, text, &arg); !err.empty()) return err;
  if (arg.prefix_len < 0)
    return Bad(flag, text,
               "bad CIDR: expected ADDR/PREFIX, e.g. 198.18.0.1/24");
  Result<device::Cidr> c = device::Cidr::Parse(text);
  if (!c) return Bad(flag, text, c.error().what);
  *out = *c;
  return "";
}

std::string CheckInterfaceName(std::string_view flag, std::string_view name) {
  // The kernel's dev_valid_name(): IFNAMSIZ is 16 with the terminator.
  constexpr size_t kMaxName = 15;
  if (name.empty()) return Bad(flag, "''", "an interface name is required");
  if (name.size() > kMaxName) {
    return Bad(flag, name,
               "interface names are at most 15 characters (this has " +
                   std::to_string(name.size()) + ")");
  }
  if (name == "." || name == "..")
    return Bad(flag, name, "'.' and '..' are not interface names");
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) ||
        !std::isprint(static_cast<unsigned char>(c))) {
      return Bad(flag, name,
                 "character " + std::to_string(i + 1) + " " + CharName(c) +
                     " is not allowed in an interface name (no '/', ':' or "
                     "whitespace)");
    }
  }
  return "";
}

std::string CheckFdOpen(int fd) {
  const Result<bool> sock = sys::IsSocket(fd);
  if (sock) return "";
  const std::string n = std::to_string(fd);
  if (sock.error().code == Errc::kBadFd)
    return "--fd " + n + ": descriptor " + n + " is not open";
  return "--fd " + n + ": " + sock.error().ToString();
}

}  // namespace fdlink::tool
