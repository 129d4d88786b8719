// SOCKS5 upstream for `fdlink tun2socks` (RFC 1928, RFC 1929 user/password):
// the server's configuration, its parsing from `--socks5 HOST:PORT`, and the
// Upstream that dials every connection through the server.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fdlink/base/result.h"
#include "fdlink/lwip/nat_table.h"
#include "tun2socks/upstream.h"

namespace fdlink::tool::tun2socks {

class Socks5UdpAssociation;

// Socks5Config is what the user asked for: the server (`host` is an IPv4
// literal, an IPv6 literal without brackets, or a name; resolved once by
// MakeSocks5Upstream) and optional RFC 1929 credentials (both or neither;
// each 1..255 bytes). A plain value; copy freely.
struct Socks5Config {
  std::string host;
  uint16_t port = 0;
  std::optional<std::string> user;
  std::optional<std::string> pass;
  // connect_timeout bounds a dial from connect to the CONNECT reply; the
  // relay enforces it (Socks5Upstream::connect_timeout()).
  std::chrono::milliseconds connect_timeout{5000};
};

// ParseSocks5Server parses `--socks5`'s value: "198.18.1.2:1080",
// "[2001:db8::2]:1080" or "proxy.example:1080" into host and port (the
// rest of the config keeps its defaults). Errors are kInvalidArgument
// with error().what a complete one-line message for the user, e.g.
// "--socks5 wants HOST:PORT, e.g. 198.18.1.2:1080".
Result<Socks5Config> ParseSocks5Server(std::string_view text);

// Socks5Upstream dials through one SOCKS5 server: each Dial opens a
// non-blocking TCP socket to the server and returns a Socks5Handshake
// (greeting, optional RFC 1929 authentication, CONNECT to the client's
// destination as an IPv4 or IPv6 address). Threading: Dial and
// StartUdpAssociation on one thread at a time (the relay thread); the
// object is immutable after Create.
class Socks5Upstream : public Upstream {
 public:
  // Create checks the credentials (both or neither, each 1..255 bytes:
  // kInvalidArgument with a one-line message naming --socks5-user or
  // --socks5-pass) and resolves the host once (kNotFound with a one-line
  // message when it does not resolve). Never touches the network else.
  static Result<std::unique_ptr<Socks5Upstream>> Create(
      const Socks5Config& config);

  // Dial starts the TCP connect to the server; the handshake carries
  // `dst` in its CONNECT request. Errors: socket/connect errno (e.g.
  // kConnectionRefused when the server is down and the kernel says so at
  // once).
  Result<Dialing> Dial(const lwip::FlowAddr& dst) override;
  // Name is "socks5 HOST:PORT" as the user gave it.
  const char* Name() const override { return name_.c_str(); }

  // StartUdpAssociation begins a UDP ASSOCIATE on a new control
  // connection to the server (see socks5_udp.h for how to drive it).
  // Errors: as Dial.
  Result<std::unique_ptr<Socks5UdpAssociation>> StartUdpAssociation();

  // connect_timeout is the config's: the relay ends a dial (or a UDP
  // association's set-up) that has not reached kDone by then.
  std::chrono::milliseconds connect_timeout() const {
    return config_.connect_timeout;
  }
  // server is the resolved server address (port included).
  const lwip::FlowAddr& server() const { return server_; }
  // config is the configuration it was created from.
  const Socks5Config& config() const { return config_; }

 private:
  Socks5Upstream(const Socks5Config& config, const lwip::FlowAddr& server);

  Socks5Config config_;
  lwip::FlowAddr server_;
  std::string name_;
};

// MakeSocks5Upstream is Socks5Upstream::Create as the generic Upstream the
// relay holds. Errors: as Create.
Result<std::unique_ptr<Upstream>> MakeSocks5Upstream(
    const Socks5Config& config);

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_H_
