// Tun2SocksFixture: the topology of the `fdlink tun2socks` end-to-end
// tests, with real parts only. Two private namespaces joined by a veth:
//
//   client ns: TUN t2s0 (made by the tool), v-cli 198.18.1.1/24 and
//              2001:db8:1::1/64; 198.18.2.0/24 and 2001:db8:2::/64 are
//              routed into t2s0 (once the tool is ready); `fwmark 0x1
//              lookup 100` sends the tool's marked sockets to table 100
//              (those prefixes via the veth). Nothing else routes them:
//              a client that bypassed the TUN would fail, not pass.
//   server ns: v-srv 198.18.1.2/24 and 2001:db8:1::2/64, and the
//              destinations 198.18.2.1 and 2001:db8:2::1 on lo.
//
// A kernel client in the client ns connects to a destination: TUN ->
// tun2socks -> (directly, or a SOCKS5 server at 198.18.1.2) -> veth ->
// a kernel server (or iperf3, microsocks...) in the server ns.
//
// The fixture runs the tool (FDLINK_TOOL_PATH) as a subprocess with
// --json and --stats-interval, parses its JSON Lines events (ready, stats,
// stopped), and gives kernel TCP servers, echo servers and dials.
// Linked into the binaries that use it together with tests/e2e/e2e_util.cc
// (its ToolProcess).
#ifndef FDLINK_TESTS_TESTING_TUN2SOCKS_FIXTURE_H_
#define FDLINK_TESTS_TESTING_TUN2SOCKS_FIXTURE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "e2e/e2e_util.h"
#include "fdlink/device/netns.h"
#include "fdlink/sys/unique_fd.h"
#include "testing/netns_fixture.h"
#include "testing/sha256.h"

namespace fdlink::testing {

using namespace std::chrono_literals;

inline constexpr char kT2sTun[] = "t2s0";
inline constexpr char kClientVeth4[] = "198.18.1.1";
inline constexpr char kServerVeth4[] = "198.18.1.2";
inline constexpr char kClientVeth6[] = "2001:db8:1::1";
inline constexpr char kServerVeth6[] = "2001:db8:1::2";
// The destinations clients dial (owned by the server ns, routed into the
// TUN in the client ns).
inline constexpr char kDest4[] = "198.18.2.1";
inline constexpr char kDest6[] = "2001:db8:2::1";
// kT2sMark is the fwmark of the rule that keeps the tool's sockets out.
inline constexpr int kT2sMark = 1;

// Dialed is the outcome of one kernel TCP connect: the socket (blocking,
// with 30 s send/receive timeouts so a stuck transfer fails instead of
// hanging) when it connected, else the errno; and how long it took.
struct Dialed {
  UniqueFd fd;
  int error = 0;
  std::chrono::milliseconds took{0};
};

// DialTcp connects a kernel TCP socket made in `ns` to ip:port, waiting
// up to `timeout` (error ETIMEDOUT then), with SO_MARK `mark` when not 0.
// Thread-safe.
Dialed DialTcp(const device::NetNs& ns, const std::string& ip, uint16_t port,
               std::chrono::milliseconds timeout = 5s, int mark = 0);

// ListenTcp opens a listening TCP socket in `ns` on ip:port (port 0: an
// ephemeral one), backlog 4096; invalid (and a test failure) on error.
UniqueFd ListenTcp(const device::NetNs& ns, const std::string& ip,
                   uint16_t port);
// BoundPort is the local port of a socket (0 on error).
uint16_t BoundPort(int fd);

// SendStream writes `size` bytes of StreamBytes(seed) to fd; false (after
// a test failure) on a write error.
bool SendStream(int fd, uint64_t seed, uint64_t size);
// StreamDigest is the SHA-256 of the first `size` bytes of the stream.
Sha256::Digest StreamDigest(uint64_t seed, uint64_t size);

// Received is what ReceiveAll read from a socket up to end of file.
struct Received {
  uint64_t bytes = 0;
  Sha256::Digest digest{};
  int error = 0;  // The errno that ended it (0: end of file).
};
// ReceiveAll reads fd to end of file (or an error), hashing what came.
Received ReceiveAll(int fd);
// WriteAll and ReadExactly are blocking loops; false on error or EOF.
bool WriteAll(int fd, std::span<const uint8_t> bytes);
bool ReadExactly(int fd, std::span<uint8_t> out);

// TcpServer is a kernel TCP server in a namespace: one thread accepts,
// and each connection runs `handler` (with the connection's fd, borrowed:
// the server closes it when the handler returns) on a thread of its own.
// For a handful of connections (transfers); see EchoServer for many.
// Destruction stops accepting, shuts down the connections still open
// (their handlers' reads and writes fail) and joins every thread.
class TcpServer {
 public:
  using Handler = std::function<void(int fd)>;
  // Start listens on ip:port (0: ephemeral) inside `ns`; null (and a test
  // failure) on error.
  static std::unique_ptr<TcpServer> Start(const device::NetNs& ns,
                                          const std::string& ip, uint16_t port,
                                          Handler handler);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  uint16_t port() const { return port_; }
  // accepted counts connections accepted so far. Thread-safe.
  size_t accepted() const { return accepted_.load(); }

 private:
  TcpServer(UniqueFd listener, Handler handler);
  void AcceptLoop();

  UniqueFd listener_;
  uint16_t port_ = 0;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> accepted_{0};
  std::mutex mu_;
  std::set<int> live_;                 // Connection fds, guarded by mu_.
  std::vector<std::thread> handlers_;  // Guarded by mu_.
  std::thread acceptor_;
};

// EchoServer is a kernel TCP echo server in a namespace on one epoll
// thread, for thousands of connections: it echoes what each sends and
// closes its side when the client does. Destruction closes everything.
class EchoServer {
 public:
  static std::unique_ptr<EchoServer> Start(const device::NetNs& ns,
                                           const std::string& ip,
                                           uint16_t port);
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  uint16_t port() const { return port_; }
  // accepted and open count connections accepted and those not yet closed.
  size_t accepted() const { return accepted_.load(); }
  size_t open() const { return open_.load(); }

 private:
  explicit EchoServer(UniqueFd listener);
  void Loop();

  UniqueFd listener_;
  UniqueFd epoll_;
  UniqueFd wake_;  // An eventfd: destruction wakes the loop.
  uint16_t port_ = 0;
  std::atomic<size_t> accepted_{0};
  std::atomic<size_t> open_{0};
  std::thread thread_;
};

// Counter finds a number in a JSON event by a dotted key path: the first
// object member (depth first) whose trailing keys equal `path` ("open"
// matches any "open"; "connections.open" only one inside "connections").
// nullopt when no number is found there.
std::optional<int64_t> Counter(const nlohmann::json& event,
                               std::string_view path);

// Tun2SocksFixture: see the top of this file. ns_ (NetNsFixture) is the
// client namespace, server_ns_ the server's. SetUp also raises this
// process's open-file limit (inherited by the tool) to at least 65536.
class Tun2SocksFixture : public NetNsFixture {
 protected:
  void SetUp() override;
  void TearDown() override;

  const device::NetNs& client_ns() const { return *ns_; }
  const device::NetNs& server_ns() const { return *server_ns_; }

  // DirectArgs: `--direct --fwmark 1`. Socks5Args: `--socks5 198.18.1.2:P`.
  static std::vector<std::string> DirectArgs();
  static std::vector<std::string> Socks5Args(uint16_t port);

  // AddBindDeviceRoutes routes the destinations in the client ns's main
  // table via the veth too, behind the TUN's routes (metric 1000 and
  // 2000), for `--direct --bind-device v-cli`. False after a test failure.
  bool AddBindDeviceRoutes();

  // StartTun2Socks runs `fdlink tun2socks --tun t2s0 --json
  // --stats-interval 100 ARGS...` in the client ns, waits (30 s) for its
  // ready event, then sets t2s0 up and routes the destinations into it.
  // False (after a test failure, with the tool's output) otherwise.
  bool StartTun2Socks(const std::vector<std::string>& args);

  // Stopped is how the tool ended after StopTun2Socks.
  struct Stopped {
    std::optional<int> status;  // nullopt: still running after the wait.
    std::chrono::milliseconds took{0};
    nlohmann::json event;  // The `stopped` event (null when none).
    std::string output;
  };
  // StopTun2Socks sends `sig` and waits up to `wait` for the exit (then
  // kills it if it still runs, with status nullopt in the result).
  Stopped StopTun2Socks(int sig = SIGTERM, std::chrono::milliseconds wait = 1s);

  // Events returns the tool's JSON events so far named `name` (ready,
  // stats, stopped), in order; lines that are not JSON are skipped.
  std::vector<nlohmann::json> Events(std::string_view name);
  // WaitStats waits up to `timeout` for a stats event newer than the call
  // that satisfies `pred`; returns the last stats event seen (null if
  // none came) and whether pred held in *matched.
  nlohmann::json WaitStats(
      const std::function<bool(const nlohmann::json&)>& pred,
      std::chrono::milliseconds timeout, bool* matched);
  // Tun2SocksFds counts the tool process's open descriptors (-1 if it is
  // not running).
  int Tun2SocksFds() const;
  // output is everything the tool printed so far.
  std::string Tun2SocksOutput() const;

  // StartServerProcess runs argv in the server ns (stdout and stderr
  // kept); StartMicrosocks starts `microsocks -i 198.18.1.2 -p PORT` and
  // waits until it accepts connections. False/null after a test failure.
  std::unique_ptr<e2e::ToolProcess> StartServerProcess(
      const std::vector<std::string>& argv);
  bool StartMicrosocks(uint16_t port = 1080);
  // WaitListening waits until a TCP connect from `ns` to ip:port succeeds
  // (from the server ns, or from the client ns to a veth address: not
  // through the TUN).
  static bool WaitListening(const device::NetNs& ns, const std::string& ip,
                            uint16_t port,
                            std::chrono::milliseconds timeout = 10s);

  // Run runs a command in a namespace (30 s limit); its status, with its
  // output in *out when given.
  static int Run(const device::NetNs& ns, const std::vector<std::string>& argv,
                 std::string* out = nullptr, int timeout_ms = 30000);

  std::optional<device::NetNs> server_ns_;
  std::unique_ptr<e2e::ToolProcess> t2s_;
  std::vector<std::unique_ptr<e2e::ToolProcess>> server_processes_;

 private:
  // Pump lets the tool's output accumulate for up to `ms`.
  void Pump(std::chrono::milliseconds ms);
};

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_TUN2SOCKS_FIXTURE_H_
