// UdpRelay: the UDP half of `fdlink tun2socks`. Each (client, original
// destination) pair becomes one flow with its own connected upstream
// socket; datagrams go out on it, and what comes back is sent to the
// client from the original destination through the adapter.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_UDP_RELAY_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_UDP_RELAY_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/lwip/core_lock.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/sys/unique_fd.h"
#include "tun2socks/counters.h"

namespace fdlink::tool::tun2socks {

// UdpUpstream opens the upstream side of one UDP flow: a non-blocking
// datagram socket whose reads and writes carry the flow's payloads to and
// from `dst` (direct: a connected UDP socket; a SOCKS5 UDP ASSOCIATE
// upstream would wrap and unwrap its headers in Send/Receive). Called
// under lwIP's core lock: must not block.
class UdpUpstream {
 public:
  virtual ~UdpUpstream() = default;
  // Open starts a flow to `dst`. Errors: the socket's.
  virtual Result<UniqueFd> Open(const lwip::FlowAddr& dst) = 0;
  // Send sends one payload on a flow's socket; kWouldBlock: dropped.
  virtual Result<size_t> Send(int fd, std::span<const uint8_t> payload);
  // Receive reads one payload into `buf`; kWouldBlock when none.
  virtual Result<size_t> Receive(int fd, std::span<uint8_t> buf);
  // Closed says the flow whose descriptor was `fd` ended (its descriptor
  // is already closed): an upstream that keeps state per flow drops it.
  virtual void Closed(int fd) { (void)fd; }
};

// UdpRelayConfig bounds the flows.
struct UdpRelayConfig {
  std::chrono::milliseconds idle_timeout{60000};
  size_t max_flows = 1024;
};

// UdpRelay keeps the UDP flows. Its sockets are watched on the relay's
// epoll `epfd` (borrowed) with tags that have kUdpTagBit set; the relay
// thread hands their events to OnReadable.
//
// Threading: the flow table is guarded by lwip::core_lock. OnDatagram and
// Sweep run under it (the adapter's UdpFn, the relay's sweep); OnReadable
// takes it per datagram and sends the reply after releasing it
// (NetifAdapter::SendUdp is EXCLUDES(core_lock)).
class UdpRelay {
 public:
  static constexpr uint64_t kUdpTagBit = uint64_t{1} << 63;

  // UdpRelay borrows `adapter`, `upstream` and `epfd` (all must outlive
  // it).
  UdpRelay(lwip::NetifAdapter* adapter, UdpUpstream* upstream,
           const UdpRelayConfig& config, int epfd);
  UdpRelay(const UdpRelay&) = delete;
  UdpRelay& operator=(const UdpRelay&) = delete;

  // OnDatagram relays one client datagram (the adapter's UdpFn).
  void OnDatagram(const lwip::FlowAddr& src, const lwip::FlowAddr& dst,
                  std::span<const uint8_t> payload) REQUIRES(lwip::core_lock);
  // OnReadable relays what flow `tag`'s socket has queued (relay thread).
  void OnReadable(uint64_t tag) EXCLUDES(lwip::core_lock);
  // Sweep closes flows idle past the timeout at `now`.
  void Sweep(std::chrono::steady_clock::time_point now)
      REQUIRES(lwip::core_lock);
  // CloseAll closes every flow (on stop).
  void CloseAll() REQUIRES(lwip::core_lock);
  // Counters is a copy of the counters.
  UdpCounters Counters() const REQUIRES(lwip::core_lock);

 private:
  struct Flow {
    uint64_t tag = 0;
    lwip::FlowAddr src, dst;
    UniqueFd fd;
    std::chrono::steady_clock::time_point last{};
  };
  void Erase(uint64_t tag) REQUIRES(lwip::core_lock);

  lwip::NetifAdapter* const adapter_;
  UdpUpstream* const upstream_;
  const UdpRelayConfig config_;
  const int epfd_;
  uint64_t next_tag_ GUARDED_BY(lwip::core_lock) = 1;
  std::unordered_map<lwip::FlowKey, uint64_t, lwip::FlowKeyHash> by_key_
      GUARDED_BY(lwip::core_lock);
  std::unordered_map<uint64_t, std::unique_ptr<Flow>> flows_
      GUARDED_BY(lwip::core_lock);
  UdpCounters counters_ GUARDED_BY(lwip::core_lock);
  std::vector<uint64_t> expired_ GUARDED_BY(lwip::core_lock);
  // buf_ holds one upstream datagram between its read and SendUdp (relay
  // thread only).
  std::array<uint8_t, 65536> buf_;
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_UDP_RELAY_H_
