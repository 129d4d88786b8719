// Socks5UdpAssociation: one SOCKS5 UDP ASSOCIATE (RFC 1928 section 7) for
// `fdlink tun2socks`'s UDP relay: the TCP control connection (kept open;
// its close ends the association) and a UDP socket connected to the
// server's relay address, carrying datagrams wrapped in the SOCKS5 UDP
// request header.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_UDP_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_UDP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/sys/unique_fd.h"
#include "tun2socks/upstream.h"

namespace fdlink::tool::tun2socks {

class Socks5Handshake;
struct Socks5Config;

// Socks5Datagram is one datagram received from the relay: the address it
// came from (as the server reports it) and its payload (a span into the
// caller's buffer).
struct Socks5Datagram {
  lwip::FlowAddr src;
  std::span<const uint8_t> payload;
};

// Socks5UdpAssociation is created by Socks5Upstream::StartUdpAssociation
// with its control connection's connect started. How to drive it (all
// non-blocking, on one thread at a time, e.g. the UDP relay's):
//   1. Poll control_fd() for writability (unless connected()), then call
//      Step() each time control_fd() is ready for what the previous Step
//      wanted, until it returns kDone (the greeting, authentication and
//      UDP ASSOCIATE request/reply have run).
//   2. After kDone, poll udp_fd() for reading, and keep polling
//      control_fd() for reading: when it is readable or hung up call
//      CheckControl(); an error means the server ended the association
//      (kPeerClosed) and the caller destroys it.
//   3. Send() wraps and sends a datagram; Receive() reads and unwraps one.
// Datagrams to send before kDone are the caller's to queue or drop.
// Errors of Step: as Handshake::Step (kConnectionRefused, kUnreachable,
// kPermissionDenied, kNotSupported when the server has no UDP ASSOCIATE,
// kMalformed, kPeerClosed). Destroying it closes both sockets.
class Socks5UdpAssociation {
 public:
  ~Socks5UdpAssociation();
  Socks5UdpAssociation(const Socks5UdpAssociation&) = delete;
  Socks5UdpAssociation& operator=(const Socks5UdpAssociation&) = delete;

  // control_fd is the control TCP socket (owned; valid for the object's
  // life).
  int control_fd() const { return control_.get(); }
  // connected is true when the control connect completed at once.
  bool connected() const { return connected_; }
  // Step advances the set-up; see the class comment.
  Result<Handshake::Want> Step();
  // done is true once Step returned kDone.
  bool done() const { return done_; }
  // udp_fd is the UDP socket (owned; opened with the control socket, in
  // the same network namespace), connected to the server's relay address
  // once done(): poll it for reading from then on.
  int udp_fd() const { return udp_.get(); }
  // relay is the server's relay address (BND.ADDR:BND.PORT; the server's
  // own address when it answered with the unspecified address). Valid
  // once done().
  const lwip::FlowAddr& relay() const { return relay_; }

  // CheckControl reads whatever the control connection has (servers send
  // nothing after the reply; stray bytes are discarded): Ok while it is
  // open, kPeerClosed (or the read's error) once the server closed it.
  Result<void> CheckControl();

  // Send wraps `payload` for `dst` and sends it as one datagram (no heap
  // allocation). Errors: kClosed before done(); kMessageTooLong when the
  // wrapped datagram exceeds 65507 bytes; kWouldBlock when the socket
  // buffer is full (drop it); other send errors.
  Result<void> Send(const lwip::FlowAddr& dst,
                    std::span<const uint8_t> payload);
  // Receive reads one datagram from the relay into `buf` and unwraps it.
  // kWouldBlock when none is queued; kMalformed for a bad header,
  // kNotSupported for a fragment (FRAG != 0) or a domain-name source:
  // the datagram is dropped (count it) and the caller reads on.
  Result<Socks5Datagram> Receive(std::span<uint8_t> buf);

  // Encapsulate writes the UDP request header for `dst` and `payload`
  // into `out`; returns the datagram's length. kInvalidArgument when
  // `out` is too small. Pure; no I/O.
  static Result<size_t> Encapsulate(const lwip::FlowAddr& dst,
                                    std::span<const uint8_t> payload,
                                    std::span<uint8_t> out);
  // Decapsulate parses one datagram from the relay (errors as Receive).
  // The payload points into `in`. Pure; no I/O.
  static Result<Socks5Datagram> Decapsulate(std::span<const uint8_t> in);

 private:
  friend class Socks5Upstream;
  Socks5UdpAssociation(UniqueFd control, bool connected,
                       const lwip::FlowAddr& server, UniqueFd udp,
                       std::unique_ptr<Socks5Handshake> handshake);

  UniqueFd control_;
  bool connected_ = false;
  bool done_ = false;
  lwip::FlowAddr server_;
  lwip::FlowAddr relay_;
  UniqueFd udp_;
  std::unique_ptr<Socks5Handshake> handshake_;
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_UDP_H_
