// Socks5Handshake: the client side of one SOCKS5 negotiation (greeting,
// optional RFC 1929 authentication, one request) as a non-blocking state
// machine over a connected socket.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_HANDSHAKE_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_HANDSHAKE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "fdlink/base/result.h"
#include "tun2socks/socks5_proto.h"
#include "tun2socks/upstream.h"

namespace fdlink::tool::tun2socks {

// Socks5Credentials is an RFC 1929 user name and password (1..255 bytes
// each; checked by Socks5Upstream::Create, and again when encoded).
struct Socks5Credentials {
  std::string user;
  std::string pass;
};

// Socks5Handshake runs greeting → method selection → (authentication) →
// request → reply on the socket Step is given. It never blocks: each Step
// sends and reads what the socket takes, and returns what it waits for.
// Partial writes and reads (one byte at a time) are fine. Bytes the server
// sent past its reply (the start of the relayed stream) are Leftover().
// Threading: one thread at a time (the relay's). Errors: kPermissionDenied
// when the server accepts no offered method ("no acceptable method") or
// rejects the credentials; the reply's REP mapped by socks5::ReplyError;
// kMalformed for bytes that are not SOCKS5; kPeerClosed when the server
// closes first; a send or read error as such. After an error, or after
// kDone, Step returns kClosed.
class Socks5Handshake : public Handshake {
 public:
  // Socks5Handshake prepares `cmd` for `dst` (kConnect: the destination;
  // kUdpAssociate: the address the client will send datagrams from, or
  // 0.0.0.0:0), offering user/password only when `credentials` is set.
  Socks5Handshake(socks5::Command cmd, const socks5::Address& dst,
                  std::optional<Socks5Credentials> credentials);

  Result<Want> Step(int fd) override;
  std::span<const uint8_t> Leftover() const override;

  // bound is the reply's BND.ADDR:BND.PORT (for UDP ASSOCIATE: the relay
  // to send datagrams to); valid once Step returned kDone.
  const socks5::Address& bound() const { return bound_; }

 private:
  enum class State {
    kSendGreeting,
    kReadMethod,
    kSendAuth,
    kReadAuth,
    kSendRequest,
    kReadReply,
    kDone,
    kFailed,
  };

  // Queue puts the next message (greeting, auth or request) in out_.
  Result<void> Queue(State send_state);
  // Flush sends what is left of out_: true when all is sent.
  Result<bool> Flush(int fd);
  // Fill reads more into in_: kWouldBlock, kPeerClosed or an error.
  Result<void> Fill(int fd);
  // Consume drops the first n bytes of in_.
  void Consume(size_t n);
  // Parse handles in_ for the current read state: true when it moved on,
  // false when it needs more bytes.
  Result<bool> Parse();
  Result<Want> Fail(const Error& e);

  socks5::Command cmd_;
  socks5::Address dst_;
  std::optional<Socks5Credentials> credentials_;
  State state_ = State::kSendGreeting;
  std::array<uint8_t, socks5::kMaxAuthSize> out_{};
  size_t out_len_ = 0;
  size_t out_sent_ = 0;
  // in_ holds bytes read but not yet parsed; after kDone, the leftover.
  std::array<uint8_t, 1024> in_{};
  size_t in_len_ = 0;
  socks5::Address bound_;
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_HANDSHAKE_H_
