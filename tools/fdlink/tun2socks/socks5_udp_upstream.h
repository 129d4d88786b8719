// Socks5UdpUpstream: the UDP relay's UdpUpstream through a SOCKS5 server's
// UDP ASSOCIATE: one association (control connection and UDP socket) per
// flow, set up without blocking while the flow's first datagrams wait.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_UDP_UPSTREAM_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_UDP_UPSTREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/sys/unique_fd.h"
#include "tun2socks/socks5.h"
#include "tun2socks/socks5_udp.h"
#include "tun2socks/udp_relay.h"

namespace fdlink::tool::tun2socks {

// Socks5UdpUpstream gives each flow an epoll descriptor of its own (the fd
// Open returns, which the relay watches for readability) over the flow's
// association sockets: while the association is being set up it is ready
// when the control connection is (Receive then advances the set-up and
// reports kWouldBlock); once set up, when a datagram or the control
// connection's close is there. Datagrams sent before the set-up ends are
// queued (at most kMaxPending, then dropped: kWouldBlock) and sent when it
// ends. A failed association (refused, no UDP ASSOCIATE, the server closed
// the control connection) stops being ready, and every later Send and
// fails (kClosed; Receive reports it once, then kWouldBlock): the flow
// idles out.
//
// Threading: not thread-safe; the relay calls Open, Send, Receive and
// Forget under lwIP's core lock, which serialises them. `socks` is
// borrowed and must outlive this object.
class Socks5UdpUpstream : public UdpUpstream {
 public:
  static constexpr size_t kMaxPending = 8;

  explicit Socks5UdpUpstream(Socks5Upstream* socks) : socks_(socks) {}

  // Open starts an association for a flow to `dst` and returns the flow's
  // epoll descriptor (owned by the caller: closing it, then Forget, ends
  // the flow). Errors: socket and connect errors.
  Result<UniqueFd> Open(const lwip::FlowAddr& dst) override;
  // Send wraps `payload` for the flow's destination and sends it (or
  // queues it during set-up); returns payload.size(). kWouldBlock: dropped
  // (queue full, or the socket buffer is); kClosed: the association failed.
  Result<size_t> Send(int fd, std::span<const uint8_t> payload) override;
  // Receive advances the set-up, or reads one datagram from the relay into
  // `buf` and returns its payload's length (moved to the front of buf).
  // kWouldBlock: nothing (more) to read; kMalformed/kNotSupported: a bad
  // datagram was dropped; kPeerClosed/kClosed: the association ended.
  Result<size_t> Receive(int fd, std::span<uint8_t> buf) override;
  // Forget releases what is kept for the flow whose descriptor was `fd`
  // (closes its association). Call it after closing that descriptor; a
  // later Open that gets the same descriptor number also replaces it.
  void Forget(int fd);
  // Closed (UdpUpstream) is Forget: the relay has closed the flow.
  void Closed(int fd) override { Forget(fd); }
  // flows is how many associations are kept (for leak checks).
  size_t flows() const { return flows_.size(); }

 private:
  struct Flow {
    lwip::FlowAddr dst;
    std::unique_ptr<Socks5UdpAssociation> assoc;
    int epfd = -1;  // Borrowed: the caller owns it.
    bool failed = false;
    std::vector<std::vector<uint8_t>> pending;
  };
  // Advance steps the set-up once its socket is ready; on kDone sends what
  // is pending.
  void Advance(Flow& f);
  // Fail ends the association: nothing of it stays in the epoll set.
  void Fail(Flow& f);
  Flow* Find(int fd);

  Socks5Upstream* socks_;
  std::unordered_map<int, Flow> flows_;
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_SOCKS5_UDP_UPSTREAM_H_
