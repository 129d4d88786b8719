#include "tun2socks/socks5_udp.h"

#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <utility>

#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"
#include "tun2socks/socks5_handshake.h"
#include "tun2socks/socks5_proto.h"
#include "tun2socks/socks5_sockaddr.h"

namespace fdlink::tool::tun2socks {
namespace {

// kMaxUdpPayload is the largest UDP payload over IPv4 (65535 - 20 - 8).
constexpr size_t kMaxUdpDatagram = 65507;

bool IsUnspecified(const lwip::FlowAddr& a) {
  const size_t n = a.v6 ? 16 : 4;
  return std::all_of(a.ip.begin(), a.ip.begin() + n,
                     [](uint8_t b) { return b == 0; });
}

}  // namespace

Socks5UdpAssociation::Socks5UdpAssociation(
    UniqueFd control, bool connected, const lwip::FlowAddr& server,
    UniqueFd udp, std::unique_ptr<Socks5Handshake> handshake)
    : control_(std::move(control)),
      connected_(connected),
      server_(server),
      udp_(std::move(udp)),
      handshake_(std::move(handshake)) {}

Socks5UdpAssociation::~Socks5UdpAssociation() = default;

Result<Handshake::Want> Socks5UdpAssociation::Step() {
  if (done_)
    return Error{Errc::kClosed, 0, "socks5: UDP association already set up"};
  if (!connected_) {
    if (Result<void> c = sys::ConnectResult(control_.get()); !c)
      return c.error();
    connected_ = true;
  }
  Result<Handshake::Want> w = handshake_->Step(control_.get());
  if (!w || *w != Handshake::Want::kDone) return w;
  Result<lwip::FlowAddr> bound = handshake_->bound().ToFlow();
  if (!bound)
    return Error{Errc::kNotSupported, 0,
                 "socks5: the UDP relay is named, not addressed"};
  relay_ = *bound;
  // A server that answers 0.0.0.0 (or ::) means "my own address".
  if (IsUnspecified(relay_) || relay_.v6 != server_.v6) {
    const uint16_t port = relay_.port;
    relay_ = server_;
    relay_.port = port;
  }
  sockaddr_storage ss{};
  const socklen_t len = SockAddrOf(relay_, &ss);
  if (Result<bool> c = sys::StartConnect(
          udp_.get(), reinterpret_cast<const sockaddr*>(&ss), len);
      !c)
    return c.error();
  done_ = true;
  return Handshake::Want::kDone;
}

Result<void> Socks5UdpAssociation::CheckControl() {
  std::array<uint8_t, 256> buf;
  for (;;) {
    Result<size_t> n = sys::Read(control_.get(), buf);
    if (!n) {
      if (n.error().code == Errc::kWouldBlock) return {};
      return n.error();
    }
    if (*n == 0)
      return Error{Errc::kPeerClosed, 0,
                   "socks5: the server ended the UDP association"};
  }
}

Result<void> Socks5UdpAssociation::Send(const lwip::FlowAddr& dst,
                                        std::span<const uint8_t> payload) {
  if (!done_)
    return Error{Errc::kClosed, 0, "socks5: UDP association not set up"};
  std::array<uint8_t, socks5::kMaxUdpHeaderSize> header;
  Result<size_t> n =
      socks5::EncodeUdpHeader(socks5::Address::FromFlow(dst), header);
  if (!n) return n.error();
  if (*n + payload.size() > kMaxUdpDatagram)
    return Error{Errc::kMessageTooLong, 0, "socks5: datagram too long"};
  const std::array<iovec, 2> iov = {
      sys::MakeIovec(std::span<const uint8_t>(header).first(*n)),
      sys::MakeIovec(payload)};
  Result<size_t> sent = sys::SendMsg(udp_.get(), iov);
  if (!sent) return sent.error();
  return {};
}

Result<Socks5Datagram> Socks5UdpAssociation::Receive(std::span<uint8_t> buf) {
  if (!done_)
    return Error{Errc::kClosed, 0, "socks5: UDP association not set up"};
  Result<size_t> n = sys::Read(udp_.get(), buf);
  if (!n) return n.error();
  return Decapsulate(std::span<const uint8_t>(buf).first(*n));
}

Result<size_t> Socks5UdpAssociation::Encapsulate(
    const lwip::FlowAddr& dst, std::span<const uint8_t> payload,
    std::span<uint8_t> out) {
  Result<size_t> n =
      socks5::EncodeUdpHeader(socks5::Address::FromFlow(dst), out);
  if (!n) return n.error();
  if (out.size() - *n < payload.size())
    return Error{Errc::kInvalidArgument, 0, "socks5: buffer too small"};
  std::copy(payload.begin(), payload.end(), out.begin() + *n);
  return *n + payload.size();
}

Result<Socks5Datagram> Socks5UdpAssociation::Decapsulate(
    std::span<const uint8_t> in) {
  Result<socks5::UdpHeader> h = socks5::UdpHeader::Parse(in);
  if (!h) return h.error();
  Result<lwip::FlowAddr> src = h->address().ToFlow();
  if (!src)
    return Error{Errc::kNotSupported, 0,
                 "socks5: datagram from a named source dropped"};
  return Socks5Datagram{*src, h->payload()};
}

}  // namespace fdlink::tool::tun2socks
