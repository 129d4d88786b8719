#include "tun2socks/socks5.h"

#include <charconv>
#include <utility>

#include "fdlink/header/ip_address.h"
#include "fdlink/sys/resolve_sys.h"
#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"
#include "tun2socks/socks5_handshake.h"
#include "tun2socks/socks5_proto.h"
#include "tun2socks/socks5_sockaddr.h"
#include "tun2socks/socks5_udp.h"

namespace fdlink::tool::tun2socks {
namespace {

Error Usage(const char* message) {
  return Error{Errc::kInvalidArgument, 0, message};
}

std::optional<Socks5Credentials> CredentialsOf(const Socks5Config& c) {
  if (!c.user || !c.pass) return std::nullopt;
  return Socks5Credentials{*c.user, *c.pass};
}

// Resolve turns the configured host into an address: literals directly,
// names through the resolver (once, at start-up).
Result<lwip::FlowAddr> Resolve(const Socks5Config& c) {
  if (Result<header::Ipv4Address> v4 = header::Ipv4Address::Parse(c.host))
    return lwip::FlowAddr::FromV4(*v4, c.port);
  if (Result<header::Ipv6Address> v6 = header::Ipv6Address::Parse(c.host))
    return lwip::FlowAddr::FromV6(*v6, c.port);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (!sys::ResolveHost(c.host, c.port, &ss, &len))
    return Error{Errc::kNotFound, 0,
                 "--socks5: the server's host name does not resolve; give "
                 "an address, e.g. 198.18.1.2:1080"};
  return FlowAddrOf(ss, len);
}

// OpenControl opens a non-blocking TCP socket to the server and starts
// connecting it.
Result<std::pair<UniqueFd, bool>> OpenControl(const lwip::FlowAddr& server) {
  Result<UniqueFd> fd = sys::TcpSocket(server.v6 ? AF_INET6 : AF_INET);
  if (!fd) return fd.error();
  // The handshake's messages are small and each waits for an answer.
  (void)sys::SetNoDelay(fd->get());
  sockaddr_storage ss{};
  const socklen_t len = SockAddrOf(server, &ss);
  Result<bool> connected =
      sys::StartConnect(fd->get(), reinterpret_cast<const sockaddr*>(&ss), len);
  if (!connected) return connected.error();
  return std::pair<UniqueFd, bool>(std::move(*fd), *connected);
}

}  // namespace

Result<Socks5Config> ParseSocks5Server(std::string_view text) {
  const Error usage = Usage("--socks5 wants HOST:PORT, e.g. 198.18.1.2:1080");
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':')
      return Usage(
          "--socks5 wants [IPV6]:PORT for an IPv6 server, e.g. "
          "[2001:db8:1::2]:1080");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!header::Ipv6Address::Parse(host))
      return Usage(
          "--socks5: the address in brackets must be IPv6, e.g. "
          "[2001:db8:1::2]:1080");
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return usage;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return Usage(
          "--socks5: put an IPv6 address in brackets, e.g. "
          "[2001:db8:1::2]:1080");
  }
  if (host.empty()) return usage;
  unsigned value = 0;
  const auto [end, ec] =
      std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() ||
      value == 0 || value > 65535)
    return Usage("--socks5: the port must be 1 to 65535, e.g. 198.18.1.2:1080");
  Socks5Config c;
  c.host = std::string(host);
  c.port = static_cast<uint16_t>(value);
  return c;
}

Socks5Upstream::Socks5Upstream(const Socks5Config& config,
                               const lwip::FlowAddr& server)
    : config_(config), server_(server) {
  const bool v6 = config.host.find(':') != std::string::npos;
  name_ = "socks5 " + (v6 ? "[" + config.host + "]" : config.host) + ":" +
          std::to_string(config.port);
}

Result<std::unique_ptr<Socks5Upstream>> Socks5Upstream::Create(
    const Socks5Config& config) {
  if (config.user.has_value() != config.pass.has_value())
    return Usage(
        "--socks5-user and --socks5-pass go together: give both or neither");
  if (config.user &&
      (config.user->empty() || config.user->size() > socks5::kMaxCredential))
    return Usage("--socks5-user must be 1 to 255 bytes (RFC 1929)");
  if (config.pass &&
      (config.pass->empty() || config.pass->size() > socks5::kMaxCredential))
    return Usage("--socks5-pass must be 1 to 255 bytes (RFC 1929)");
  if (config.host.empty() || config.port == 0)
    return Usage("--socks5 wants HOST:PORT, e.g. 198.18.1.2:1080");
  Result<lwip::FlowAddr> server = Resolve(config);
  if (!server) return server.error();
  return std::unique_ptr<Socks5Upstream>(new Socks5Upstream(config, *server));
}

Result<Upstream::Dialing> Socks5Upstream::Dial(const lwip::FlowAddr& dst) {
  Result<std::pair<UniqueFd, bool>> control = OpenControl(server_);
  if (!control) return control.error();
  Dialing d;
  d.fd = std::move(control->first);
  d.connected = control->second;
  d.handshake = std::make_unique<Socks5Handshake>(
      socks5::Command::kConnect, socks5::Address::FromFlow(dst),
      CredentialsOf(config_));
  return d;
}

Result<std::unique_ptr<Socks5UdpAssociation>>
Socks5Upstream::StartUdpAssociation() {
  Result<std::pair<UniqueFd, bool>> control = OpenControl(server_);
  if (!control) return control.error();
  Result<UniqueFd> udp = sys::UdpSocket(server_.v6 ? AF_INET6 : AF_INET);
  if (!udp) return udp.error();
  // RFC 1928 section 7: a client that does not know yet where it will send
  // from gives the all-zeros address and port.
  lwip::FlowAddr any;
  any.v6 = server_.v6;
  auto handshake = std::make_unique<Socks5Handshake>(
      socks5::Command::kUdpAssociate, socks5::Address::FromFlow(any),
      CredentialsOf(config_));
  return std::unique_ptr<Socks5UdpAssociation>(
      new Socks5UdpAssociation(std::move(control->first), control->second,
                               server_, std::move(*udp), std::move(handshake)));
}

Result<std::unique_ptr<Upstream>> MakeSocks5Upstream(
    const Socks5Config& config) {
  Result<std::unique_ptr<Socks5Upstream>> u = Socks5Upstream::Create(config);
  if (!u) return u.error();
  return std::unique_ptr<Upstream>(std::move(*u));
}

}  // namespace fdlink::tool::tun2socks
