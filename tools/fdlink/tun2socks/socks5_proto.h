// socks5_proto: the SOCKS5 wire format (RFC 1928) and its username/password
// sub-negotiation (RFC 1929), without I/O. Encoders write into a caller's
// buffer and return the length; parsers take the bytes received so far and
// either return a checked view (whose size() is the message's length) or
// Errc::kWouldBlock when more bytes are needed, so a reader calls them again
// after each partial read. Views read fields byte by byte (big-endian
// ports, no packed-struct casts), like include/fdlink/header/.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_PROTO_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_PROTO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fdlink/base/result.h"
#include "fdlink/header/bytes.h"
#include "fdlink/lwip/nat_table.h"

namespace fdlink::tool::tun2socks::socks5 {

inline constexpr uint8_t kVersion = 5;
inline constexpr uint8_t kAuthVersion = 1;  // RFC 1929's VER.

// Method is an authentication method of the greeting (RFC 1928 section 3).
enum class Method : uint8_t {
  kNoAuth = 0x00,
  kUserPass = 0x02,
  kNoAcceptable = 0xff,
};

// Command is a request's CMD.
enum class Command : uint8_t {
  kConnect = 1,
  kBind = 2,
  kUdpAssociate = 3,
};

// AddressType is ATYP.
enum class AddressType : uint8_t {
  kIpv4 = 1,
  kDomain = 3,
  kIpv6 = 4,
};

// Reply codes (REP) of RFC 1928 section 6.
inline constexpr uint8_t kReplySucceeded = 0;

inline constexpr size_t kMaxDomain = 255;      // One length byte.
inline constexpr size_t kMaxCredential = 255;  // RFC 1929 ULEN/PLEN.
// kMaxRequestSize is the longest request or reply: VER CMD RSV ATYP, a
// 255-byte name with its length byte, and the port.
inline constexpr size_t kMaxRequestSize = 4 + 1 + kMaxDomain + 2;
// kMaxUdpHeaderSize is the longest UDP request header (RSV RSV FRAG ATYP,
// name, port).
inline constexpr size_t kMaxUdpHeaderSize = 4 + 1 + kMaxDomain + 2;
// kMaxAuthSize is the longest RFC 1929 request.
inline constexpr size_t kMaxAuthSize = 3 + kMaxCredential * 2;

// Address is a SOCKS5 address: an IPv4 or IPv6 address or a domain name
// (1..255 bytes), and a port. A plain value without heap memory.
class Address {
 public:
  Address() = default;
  // FromFlow is the IPv4 or IPv6 address of `a`.
  static Address FromFlow(const lwip::FlowAddr& a);
  // Domain is a name; kInvalidArgument when empty or over 255 bytes.
  static Result<Address> Domain(std::string_view name, uint16_t port);

  AddressType type() const { return type_; }
  uint16_t port() const { return port_; }
  // ip is the address bytes (4 used for IPv4); meaningless for a domain.
  const std::array<uint8_t, 16>& ip() const { return ip_; }
  // domain is the name; empty unless type() is kDomain.
  std::string_view domain() const {
    return {domain_.data(), type_ == AddressType::kDomain ? domain_len_ : 0u};
  }
  // ToFlow is the address as a FlowAddr; kNotSupported for a domain.
  Result<lwip::FlowAddr> ToFlow() const;
  // EncodedSize is ATYP + address (+ length byte) + port.
  size_t EncodedSize() const;
  // Encode writes ATYP, the address and the port into out (at least
  // EncodedSize() bytes); returns EncodedSize().
  size_t Encode(std::span<uint8_t> out) const;
  // Decode parses ATYP, address and port at the start of `in`: the
  // address and the bytes it took. kWouldBlock when `in` is too short,
  // kMalformed for an unknown ATYP or a zero-length name.
  static Result<Address> Decode(std::span<const uint8_t> in, size_t* used);

  bool operator==(const Address& o) const;

 private:
  AddressType type_ = AddressType::kIpv4;
  uint16_t port_ = 0;
  std::array<uint8_t, 16> ip_{};
  uint8_t domain_len_ = 0;
  std::array<char, kMaxDomain> domain_{};
};

// EncodeGreeting writes VER NMETHODS METHODS: no-auth, and user/password
// too when `offer_user_pass`. kInvalidArgument if `out` is too small.
Result<size_t> EncodeGreeting(bool offer_user_pass, std::span<uint8_t> out);

// EncodeAuth writes the RFC 1929 request VER ULEN UNAME PLEN PASSWD.
// kInvalidArgument when a credential is empty or over 255 bytes, or `out`
// is too small.
Result<size_t> EncodeAuth(std::string_view user, std::string_view pass,
                          std::span<uint8_t> out);

// EncodeRequest writes VER CMD RSV ATYP DST.ADDR DST.PORT.
// kInvalidArgument if `out` is too small.
Result<size_t> EncodeRequest(Command cmd, const Address& dst,
                             std::span<uint8_t> out);

// EncodeUdpHeader writes RSV RSV FRAG(0) ATYP DST.ADDR DST.PORT (the
// payload follows it). kInvalidArgument if `out` is too small.
Result<size_t> EncodeUdpHeader(const Address& dst, std::span<uint8_t> out);

// MethodSelection is the server's VER METHOD answer to the greeting.
class MethodSelection : public header::ByteView<const uint8_t> {
 public:
  static constexpr size_t kSize = 2;
  // Parse: kWouldBlock under 2 bytes, kMalformed when VER is not 5.
  static Result<MethodSelection> Parse(std::span<const uint8_t> in);
  uint8_t version() const { return U8(0); }
  uint8_t method() const { return U8(1); }

 private:
  explicit MethodSelection(std::span<const uint8_t> b) : ByteView(b) {}
};

// AuthStatus is the server's RFC 1929 VER STATUS answer.
class AuthStatus : public header::ByteView<const uint8_t> {
 public:
  static constexpr size_t kSize = 2;
  // Parse: kWouldBlock under 2 bytes, kMalformed when VER is not 1.
  static Result<AuthStatus> Parse(std::span<const uint8_t> in);
  uint8_t version() const { return U8(0); }
  // status is 0 for success.
  uint8_t status() const { return U8(1); }

 private:
  explicit AuthStatus(std::span<const uint8_t> b) : ByteView(b) {}
};

// Reply is the server's VER REP RSV ATYP BND.ADDR BND.PORT. RSV is not
// checked (servers are not consistent about it).
class Reply : public header::ByteView<const uint8_t> {
 public:
  // Parse: kWouldBlock until the whole reply is there (its size() then
  // covers exactly the reply; later bytes are the caller's), kMalformed
  // for VER != 5, an unknown ATYP or a zero-length name.
  static Result<Reply> Parse(std::span<const uint8_t> in);
  uint8_t version() const { return U8(0); }
  uint8_t reply() const { return U8(1); }
  // bound is BND.ADDR:BND.PORT.
  const Address& bound() const { return bound_; }

 private:
  Reply(std::span<const uint8_t> b, const Address& bound)
      : ByteView(b), bound_(bound) {}
  Address bound_;
};

// UdpHeader is one datagram from the UDP relay: RSV RSV FRAG ATYP
// DST.ADDR DST.PORT DATA.
class UdpHeader : public header::ByteView<const uint8_t> {
 public:
  // Parse checks a whole datagram: kMalformed when it is shorter than its
  // header, RSV is not 0, or ATYP is unknown or a name is empty;
  // kNotSupported when FRAG is not 0 (fragments are dropped).
  static Result<UdpHeader> Parse(std::span<const uint8_t> datagram);
  uint16_t reserved() const { return Be16(0); }
  uint8_t frag() const { return U8(2); }
  // address is DST.ADDR:DST.PORT (for a reply: where it came from).
  const Address& address() const { return address_; }
  // payload is DATA.
  std::span<const uint8_t> payload() const {
    return Range(header_size_, size());
  }

 private:
  UdpHeader(std::span<const uint8_t> b, const Address& a, size_t header_size)
      : ByteView(b), address_(a), header_size_(header_size) {}
  Address address_;
  size_t header_size_;
};

// ReplyError is the Errc for a failure REP code (1..255), with a static
// one-line description: 1 general failure kIoError; 2 not allowed by the
// ruleset kPermissionDenied; 3 network and 4 host unreachable
// kUnreachable; 5 connection refused kConnectionRefused; 6 TTL expired
// kTimedOut; 7 command and 8 address type not supported kNotSupported;
// other codes kMalformed.
Error ReplyError(uint8_t rep);

}  // namespace fdlink::tool::tun2socks::socks5

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_PROTO_H_
