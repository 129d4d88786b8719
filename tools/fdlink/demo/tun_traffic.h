// The TUN demo's traffic: the Linux kernel in the demo's namespace talks
// to the responder through kernel UDP sockets (every echo checked byte by
// byte, missing ones resent) and iputils `ping` runs (IPv4 and IPv6).
#ifndef FDLINK_TOOLS_FDLINK_DEMO_TUN_TRAFFIC_H_
#define FDLINK_TOOLS_FDLINK_DEMO_TUN_TRAFFIC_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "fdlink/device/netns.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {

// kPingRun is the number of echo requests per iputils ping run (-c).
inline constexpr int kPingRun = 20;

// UdpResult is what the kernel UDP sockets saw; index 0 is IPv4, 1 IPv6.
struct UdpResult {
  uint64_t sent = 0;        // Datagrams sent, resends included.
  uint64_t verified = 0;    // Echoes identical to what was sent.
  uint64_t resent = 0;      // Datagrams sent again after a timeout.
  uint64_t duplicates = 0;  // Echoes of a datagram already answered.
  std::array<uint64_t, 2> by_family{};
  std::string first_error;
};

// UdpEcho drives two connected kernel UDP sockets (IPv4, IPv6) to an echo
// port. Not thread-safe: one thread uses it.
class UdpEcho {
 public:
  // UdpEcho uses `socks` (borrowed; they must outlive it), connected and
  // non-blocking.
  explicit UdpEcho(const std::array<UniqueFd, 2>& socks) : socks_(socks) {}

  // Window sends `per_family` datagrams (of varying sizes) on each socket
  // and waits for every echo, resending the missing ones every 500 ms;
  // false (with result().first_error set) on an error, a wrong echo, or
  // after 5 s without all of them.
  bool Window(size_t per_family);

  const UdpResult& result() const { return r_; }

 private:
  using Pending = std::map<uint32_t, std::vector<uint8_t>>;
  bool Fail(const std::string& what);
  bool Send(int family, const std::vector<uint8_t>& d);
  bool Receive(int family, Pending* pending);

  const std::array<UniqueFd, 2>& socks_;
  UdpResult r_;
  std::array<uint8_t, 2048> buf_{};
  uint32_t next_seq_ = 1;
};

// PingTotals is what iputils ping reported, per family ([0] IPv4). Each
// run is `ping -c N -w 5`, which waits for N replies and meanwhile keeps
// sending if some are late: `expected` (N per run) and `received` are what
// count, `sent` may exceed `expected`.
struct PingTotals {
  std::array<uint64_t, 2> expected{}, sent{}, received{};
  std::string first_error;
};

// KernelTraffic runs UdpEcho windows and ping bursts (alternating
// families, to `targets` = {IPv4, IPv6}) on two threads until Stop().
class KernelTraffic {
 public:
  // KernelTraffic starts both threads; `ns` and `socks` are borrowed and
  // must outlive it.
  KernelTraffic(const device::NetNs& ns, const std::array<UniqueFd, 2>& socks,
                std::array<std::string, 2> targets);
  ~KernelTraffic() { Stop(); }
  KernelTraffic(const KernelTraffic&) = delete;
  KernelTraffic& operator=(const KernelTraffic&) = delete;

  // Stop asks both threads to finish (a ping burst under way completes)
  // and joins them. Idempotent.
  void Stop();
  // Failed reports whether a generator gave up (it then stopped early).
  // Thread-safe.
  bool Failed() const { return failed_.load(); }
  // udp and ping are the results; read them only after Stop().
  const UdpResult& udp() const { return udp_.result(); }
  const PingTotals& ping() const { return ping_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  const std::array<std::string, 2> targets_;
  UdpEcho udp_;
  PingTotals ping_;
  std::thread udp_thread_, ping_thread_;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_DEMO_TUN_TRAFFIC_H_
