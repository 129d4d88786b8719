#include "tun2socks/socks5_proto.h"

#include <algorithm>

namespace fdlink::tool::tun2socks::socks5 {
namespace {

constexpr Error kNeedMore{Errc::kWouldBlock, 0, "socks5: incomplete"};

Error TooSmall() {
  return Error{Errc::kInvalidArgument, 0, "socks5: buffer too small"};
}

// AddressLength is the bytes of ATYP + address + port, read from the first
// one or two bytes of `in`: 0 with *err set when it cannot be told yet
// (kWouldBlock) or is bad (kMalformed).
size_t AddressLength(std::span<const uint8_t> in, Error* err) {
  if (in.empty()) {
    *err = kNeedMore;
    return 0;
  }
  switch (static_cast<AddressType>(in[0])) {
    case AddressType::kIpv4:
      return 1 + 4 + 2;
    case AddressType::kIpv6:
      return 1 + 16 + 2;
    case AddressType::kDomain:
      if (in.size() < 2) {
        *err = kNeedMore;
        return 0;
      }
      if (in[1] == 0) {
        *err = Error{Errc::kMalformed, 0, "socks5: empty domain name"};
        return 0;
      }
      return 1 + 1 + in[1] + 2;
  }
  *err = Error{Errc::kMalformed, 0, "socks5: unknown address type"};
  return 0;
}

}  // namespace

Address Address::FromFlow(const lwip::FlowAddr& a) {
  Address r;
  r.type_ = a.v6 ? AddressType::kIpv6 : AddressType::kIpv4;
  r.ip_ = a.ip;
  if (!a.v6) std::fill(r.ip_.begin() + 4, r.ip_.end(), 0);
  r.port_ = a.port;
  return r;
}

Result<Address> Address::Domain(std::string_view name, uint16_t port) {
  if (name.empty() || name.size() > kMaxDomain)
    return Error{Errc::kInvalidArgument, 0,
                 "socks5: a domain name is 1 to 255 bytes"};
  Address r;
  r.type_ = AddressType::kDomain;
  r.domain_len_ = static_cast<uint8_t>(name.size());
  std::copy(name.begin(), name.end(), r.domain_.begin());
  r.port_ = port;
  return r;
}

Result<lwip::FlowAddr> Address::ToFlow() const {
  if (type_ == AddressType::kDomain)
    return Error{Errc::kNotSupported, 0, "socks5: a domain name, not an IP"};
  lwip::FlowAddr f;
  f.v6 = type_ == AddressType::kIpv6;
  f.ip = ip_;
  f.port = port_;
  return f;
}

size_t Address::EncodedSize() const {
  switch (type_) {
    case AddressType::kIpv4:
      return 1 + 4 + 2;
    case AddressType::kIpv6:
      return 1 + 16 + 2;
    case AddressType::kDomain:
      break;
  }
  return 1 + 1 + domain_len_ + 2;
}

size_t Address::Encode(std::span<uint8_t> out) const {
  out[0] = static_cast<uint8_t>(type_);
  size_t at = 1;
  switch (type_) {
    case AddressType::kIpv4:
      std::copy_n(ip_.begin(), 4, out.begin() + 1);
      at += 4;
      break;
    case AddressType::kIpv6:
      std::copy_n(ip_.begin(), 16, out.begin() + 1);
      at += 16;
      break;
    case AddressType::kDomain:
      out[1] = domain_len_;
      std::copy_n(domain_.begin(), domain_len_, out.begin() + 2);
      at += 1 + domain_len_;
      break;
  }
  header::StoreBe16(out, at, port_);
  return at + 2;
}

Result<Address> Address::Decode(std::span<const uint8_t> in, size_t* used) {
  Error err;
  const size_t n = AddressLength(in, &err);
  if (n == 0) return err;
  if (in.size() < n) return kNeedMore;
  Address r;
  r.type_ = static_cast<AddressType>(in[0]);
  switch (r.type_) {
    case AddressType::kIpv4:
      std::copy_n(in.begin() + 1, 4, r.ip_.begin());
      break;
    case AddressType::kIpv6:
      std::copy_n(in.begin() + 1, 16, r.ip_.begin());
      break;
    case AddressType::kDomain:
      r.domain_len_ = in[1];
      std::copy_n(in.begin() + 2, in[1], r.domain_.begin());
      break;
  }
  r.port_ = header::LoadBe16(in, n - 2);
  *used = n;
  return r;
}

bool Address::operator==(const Address& o) const {
  if (type_ != o.type_ || port_ != o.port_) return false;
  if (type_ == AddressType::kDomain) return domain() == o.domain();
  return ip_ == o.ip_;
}

Result<size_t> EncodeGreeting(bool offer_user_pass, std::span<uint8_t> out) {
  const size_t n = offer_user_pass ? 4 : 3;
  if (out.size() < n) return TooSmall();
  out[0] = kVersion;
  out[1] = static_cast<uint8_t>(n - 2);
  out[2] = static_cast<uint8_t>(Method::kNoAuth);
  if (offer_user_pass) out[3] = static_cast<uint8_t>(Method::kUserPass);
  return n;
}

Result<size_t> EncodeAuth(std::string_view user, std::string_view pass,
                          std::span<uint8_t> out) {
  if (user.empty() || user.size() > kMaxCredential || pass.empty() ||
      pass.size() > kMaxCredential)
    return Error{Errc::kInvalidArgument, 0,
                 "socks5: a user name and a password are 1 to 255 bytes"};
  const size_t n = 3 + user.size() + pass.size();
  if (out.size() < n) return TooSmall();
  out[0] = kAuthVersion;
  out[1] = static_cast<uint8_t>(user.size());
  std::copy(user.begin(), user.end(), out.begin() + 2);
  out[2 + user.size()] = static_cast<uint8_t>(pass.size());
  std::copy(pass.begin(), pass.end(), out.begin() + 3 + user.size());
  return n;
}

Result<size_t> EncodeRequest(Command cmd, const Address& dst,
                             std::span<uint8_t> out) {
  const size_t n = 3 + dst.EncodedSize();
  if (out.size() < n) return TooSmall();
  out[0] = kVersion;
  out[1] = static_cast<uint8_t>(cmd);
  out[2] = 0;
  dst.Encode(out.subspan(3));
  return n;
}

Result<size_t> EncodeUdpHeader(const Address& dst, std::span<uint8_t> out) {
  const size_t n = 3 + dst.EncodedSize();
  if (out.size() < n) return TooSmall();
  out[0] = 0;
  out[1] = 0;
  out[2] = 0;
  dst.Encode(out.subspan(3));
  return n;
}

Result<MethodSelection> MethodSelection::Parse(std::span<const uint8_t> in) {
  if (in.size() < kSize) return kNeedMore;
  if (in[0] != kVersion)
    return Error{Errc::kMalformed, 0, "socks5: not a SOCKS5 server"};
  return MethodSelection(in.first(kSize));
}

Result<AuthStatus> AuthStatus::Parse(std::span<const uint8_t> in) {
  if (in.size() < kSize) return kNeedMore;
  if (in[0] != kAuthVersion)
    return Error{Errc::kMalformed, 0,
                 "socks5: bad username/password reply version"};
  return AuthStatus(in.first(kSize));
}

Result<Reply> Reply::Parse(std::span<const uint8_t> in) {
  if (in.empty()) return kNeedMore;
  if (in[0] != kVersion)
    return Error{Errc::kMalformed, 0, "socks5: bad reply version"};
  if (in.size() < 4) return kNeedMore;
  size_t used = 0;
  Result<Address> a = Address::Decode(in.subspan(3), &used);
  if (!a) return a.error();
  return Reply(in.first(3 + used), *a);
}

Result<UdpHeader> UdpHeader::Parse(std::span<const uint8_t> datagram) {
  const Error truncated{Errc::kMalformed, 0, "socks5: truncated UDP header"};
  if (datagram.size() < 4) return truncated;
  if (datagram[0] != 0 || datagram[1] != 0)
    return Error{Errc::kMalformed, 0, "socks5: UDP header RSV not zero"};
  if (datagram[2] != 0)
    return Error{Errc::kNotSupported, 0, "socks5: UDP fragment dropped"};
  size_t used = 0;
  Result<Address> a = Address::Decode(datagram.subspan(3), &used);
  if (!a) return a.error().code == Errc::kWouldBlock ? truncated : a.error();
  return UdpHeader(datagram, *a, 3 + used);
}

Error ReplyError(uint8_t rep) {
  switch (rep) {
    case 1:
      return {Errc::kIoError, 0, "socks5: general server failure"};
    case 2:
      return {Errc::kPermissionDenied, 0,
              "socks5: connection not allowed by ruleset"};
    case 3:
      return {Errc::kUnreachable, 0, "socks5: network unreachable"};
    case 4:
      return {Errc::kUnreachable, 0, "socks5: host unreachable"};
    case 5:
      return {Errc::kConnectionRefused, 0, "socks5: connection refused"};
    case 6:
      return {Errc::kTimedOut, 0, "socks5: TTL expired"};
    case 7:
      return {Errc::kNotSupported, 0, "socks5: command not supported"};
    case 8:
      return {Errc::kNotSupported, 0, "socks5: address type not supported"};
    default:
      break;
  }
  return {Errc::kMalformed, 0, "socks5: unknown reply code"};
}

}  // namespace fdlink::tool::tun2socks::socks5
