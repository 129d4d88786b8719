// Helpers of the SOCKS5 tests (socks5_server_test, socks5_e2e_test): kernel
// echo servers in a namespace, a client that streams bytes through a
// socket and reads them back, and the real SOCKS5 servers (microsocks,
// dante) started in a namespace and waited for.
#ifndef FDLINK_TESTS_TUN2SOCKS_SOCKS5_TESTING_H_
#define FDLINK_TESTS_TUN2SOCKS_SOCKS5_TESTING_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_util.h"
#include "fdlink/device/netns.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool::tun2socks::testing {

using Clock = std::chrono::steady_clock;

// Flow is the FlowAddr of an IPv4 or IPv6 text address and a port.
lwip::FlowAddr Flow(const char* ip, uint16_t port);

// Echo is a kernel echo server bound to ip:port inside `ns` (SOCK_STREAM:
// connections one at a time, each echoed until end of file; SOCK_DGRAM:
// every datagram back to its sender), served by its own thread until the
// Echo is destroyed.
class Echo {
 public:
  Echo(const device::NetNs& ns, const char* ip, uint16_t port, int type);
  ~Echo();
  Echo(const Echo&) = delete;
  Echo& operator=(const Echo&) = delete;

 private:
  void ServeTcp();
  void ServeUdp();

  UniqueFd fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// WaitFor polls `fd` for `events` until `deadline`; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline);

// EchoThrough sends `data` on the stream socket `fd` while reading what
// comes back (after `leftover`, bytes already read for it), until as many
// bytes came back as were sent, end of file, or 30 s. Returns what came.
std::vector<uint8_t> EchoThrough(int fd, std::span<const uint8_t> leftover,
                                 std::span<const uint8_t> data);

// Fnv1a is a 64-bit FNV-1a hash of `b` (transfers are compared by hash).
uint64_t Fnv1a(std::span<const uint8_t> b);

// WaitListening waits up to 10 s until a TCP connect from inside `ns` to
// ip:port succeeds.
bool WaitListening(const device::NetNs& ns, const char* ip, uint16_t port);

// StartMicrosocks runs /usr/bin/microsocks in `ns` on ip:port (with
// `user`/`pass` when not empty) and waits until it listens; null (after a
// test failure) when it does not.
std::unique_ptr<e2e::ToolProcess> StartMicrosocks(const device::NetNs& ns,
                                                  const char* ip, uint16_t port,
                                                  const std::string& user = "",
                                                  const std::string& pass = "");

// StartDante writes a minimal no-auth danted.conf into `dir` (internal:
// each of `ips` on `port`, external: `external`; CONNECT and UDP
// ASSOCIATE allowed from anywhere), runs /usr/sbin/danted on it in `ns`
// and waits until it listens on every ip; null (after a test failure)
// when it does not.
std::unique_ptr<e2e::ToolProcess> StartDante(
    const device::NetNs& ns, const std::string& dir,
    const std::vector<const char*>& ips, uint16_t port,
    const std::string& external);

}  // namespace fdlink::tool::tun2socks::testing

#endif  // FDLINK_TESTS_TUN2SOCKS_SOCKS5_TESTING_H_
