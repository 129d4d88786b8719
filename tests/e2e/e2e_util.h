// Helpers for the end-to-end tests: every test makes its own private
// network namespace, puts a real device in it (TUN, TAP, veth), serves the
// reference responder on it through an fdbased::Endpoint, and lets the
// Linux kernel in that namespace talk to it with iputils `ping` and kernel
// UDP sockets. Addresses come from 198.18.0.0/15 and 2001:db8::/32.
#ifndef FDLINK_TESTS_E2E_E2E_UTIL_H_
#define FDLINK_TESTS_E2E_E2E_UTIL_H_

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fdlink/device/netns.h"
#include "fdlink/device/tun.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/responder/responder.h"
#include "fdlink/sys/unique_fd.h"
#include "testing/dispatch_modes.h"
#include "testing/netns_fixture.h"

namespace fdlink::e2e {

using namespace std::chrono_literals;

// The kernel's side of a link is .1 / ::1, the responder .2 / ::2.
inline constexpr char kKernel4[] = "198.18.0.1/24";
inline constexpr char kKernel6[] = "2001:db8::1/64";
inline constexpr char kOurs4[] = "198.18.0.2";
inline constexpr char kOurs6[] = "2001:db8::2";
// kOurMac is the responder's MAC on TAP and socketpair links.
inline constexpr MacAddress kOurMac({0x02, 0xfd, 0, 0, 0, 0x01});

// EthernetOptions are endpoint options for an Ethernet link answering as
// kOurMac, delivering on the loop thread.
inline fdbased::Options EthernetOptions() {
  fdbased::Options o;
  o.ethernet_header = true;
  o.address = kOurMac;
  o.processors_per_channel = 1;
  return o;
}

// E2eModeParam makes a fixture parameterised by the receive mode;
// instantiate it with testing::ModesOf(<the fds' kind>) and
// testing::ModeParamName (testing/dispatch_modes.h). StartResponder checks
// that the mode asked for is in effect.
using E2eModeParam = ::testing::WithParamInterface<fdbased::PacketDispatchMode>;

// SockAddr is a socket address for an IPv4 or IPv6 text address and port.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = 0;
  const sockaddr* get() const;
};
SockAddr MakeSockAddr(const std::string& ip, uint16_t port);

// OpenUdpIn opens a non-blocking UDP socket of `family` inside `ns`, bound
// to an ephemeral port; invalid (and a test failure) on error. The socket
// stays in `ns` and may be used from any thread.
UniqueFd OpenUdpIn(const device::NetNs& ns, int family);

// UdpEcho sends `payload` on `fd` to `to` and waits for a datagram equal
// to it byte for byte, resending every 300 ms (a request may arrive while
// the link is being set up) until `timeout`. Datagrams that differ (late
// echoes of an earlier exchange) are skipped. Returns whether the echo
// came.
bool UdpEcho(int fd, const SockAddr& to, std::span<const uint8_t> payload,
             std::chrono::milliseconds timeout = 5s);

// PingResult is what one iputils ping run reported.
struct PingResult {
  int exit_status = -1;
  int transmitted = 0;
  int received = 0;
  std::string output;
};
// Ping runs `ping -c count -i 0.05 -W 2 -w 20 ip` inside `ns` (`-6` for
// IPv6). The deadline (-w) makes ping wait for all `count` replies;
// without it ping stops waiting two round trips after the last request
// and may miss a reply delayed by a busy machine.
PingResult Ping(const device::NetNs& ns, const std::string& ip, int count);

// WriteProcFile writes `value` to a /proc file (e.g. a sysctl) in the
// calling thread's network namespace; returns whether it worked.
bool WriteProcFile(const std::string& path, const std::string& value);

// ReadFile returns a file's contents (empty if unreadable).
std::string ReadFile(const std::string& path);

// Payload returns `n` bytes of a pattern seeded with `seed`.
std::vector<uint8_t> Payload(size_t n, uint32_t seed);

// E2eTest is the base fixture: a fresh namespace per test, and the
// endpoint plus responder a test starts on its device's fds.
class E2eTest : public ::fdlink::testing::NetNsFixture {
 protected:
  void TearDown() override;

  // Inside runs fn on a thread inside the test's namespace.
  void Inside(const std::function<void()>& fn);

  // OpenDevice opens TUN (or TAP) `name` with `queues` queues inside the
  // namespace into tun_ (with `vnet_hdr`: a virtio-net header and every
  // offload the kernel accepts), gives the kernel side kKernel4 and kKernel6
  // and brings it up. Returns false (after a test failure) on error.
  bool OpenDevice(const std::string& name, bool tap, int queues = 1,
                  bool vnet_hdr = false);

  // StartResponder builds an endpoint over `fds` (borrowed: they must stay
  // open until TearDown, e.g. tun_ or a member of the derived fixture) with
  // a responder for kOurs4 and kOurs6 (UDP echo on 7) and attaches it.
  // Options fields other than fds come from `o`.
  void StartResponder(const std::vector<int>& fds, fdbased::Options o = {});

  // ExpectKernelTalks has the kernel talk to the responder: a UDP echo per
  // family first (it also waits out the kernel's delayed local route for a
  // new IPv6 address), then `pings` iputils pings per family, all
  // answered, and UDP datagrams of several sizes echoed byte-exact.
  void ExpectKernelTalks(int pings = 5);

  // Counters returns the responder's counters once every packet it
  // received is accounted for (reply, tx failure or drop).
  responder::ResponderCounters SettledCounters();

  // Destroyed in reverse order: the endpoint (detaching) first, then the
  // device; the namespace (ns_, in NetNsFixture) goes last.
  std::optional<device::TunDevice> tun_;
  std::unique_ptr<responder::Responder> responder_;
  std::unique_ptr<fdbased::Endpoint> ep_;
};

// ToolProcess runs the fdlink tool in a namespace with stdout and stderr
// captured; the destructor kills and reaps it if it still runs.
class ToolProcess {
 public:
  // Start runs `tool_path args...` inside ns; nullopt (and a test failure)
  // if it cannot be started.
  static std::unique_ptr<ToolProcess> Start(
      const device::NetNs& ns, const std::string& tool_path,
      const std::vector<std::string>& args);
  ~ToolProcess();

  // WaitForOutput waits until the output contains `text`; false after
  // `timeout` or when the process exited without printing it.
  bool WaitForOutput(const std::string& text,
                     std::chrono::milliseconds timeout);
  // Signal sends `sig` to the process.
  void Signal(int sig);
  // WaitExit waits up to `timeout` for the process to exit and returns its
  // status (exit code, or 128 + signal), nullopt if it is still running.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  // output is everything it printed so far.
  const std::string& output() const { return output_; }
  // pid is the process id (of the tool, when started through `exec`).
  int pid() const { return pid_; }

 private:
  ToolProcess(int pid, UniqueFd out) : pid_(pid), out_(std::move(out)) {}
  // Drain appends what the process printed to output_.
  void Drain();
  // WaitForData waits for more output, or just sleeps after end of file.
  void WaitForData(std::chrono::milliseconds timeout);

  int pid_;
  UniqueFd out_;
  bool eof_ = false;
  std::string output_;
  std::optional<int> status_;
};

}  // namespace fdlink::e2e

#endif  // FDLINK_TESTS_E2E_E2E_UTIL_H_
