// The Linux kernel talks to the responder: in a private network namespace
// the kernel owns one end of a TAP (Ethernet: it must resolve us with ARP
// and NDP) or TUN (raw IP) device and the responder the other. Kernel
// sockets then exchange UDP echo and ping with it; the kernel verifies
// every checksum and neighbour advertisement before a socket sees a reply.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "device/device_test_util.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/device/tun.h"
#include "fdlink/sys/syscalls.h"
#include "responder_test_util.h"
#include "testing/netns_fixture.h"

namespace fdlink::responder::testing {
namespace {

using device::testing::RunInside;

// Addresses: the kernel is .1 / ::1, the responder .2 / ::2.
struct Addresses {
  const char* kernel_v4;
  const char* kernel_v6;
  const char* responder_v4;
  const char* responder_v6;
};
constexpr Addresses kTapAddresses{"198.18.0.1/24", "2001:db8::1/64",
                                  "198.18.0.2", "2001:db8::2"};
constexpr Addresses kTunAddresses{"198.18.1.1/24", "2001:db8:1::1/64",
                                  "198.18.1.2", "2001:db8:1::2"};

// SockAddr is a socket address for `ip` (IPv4 or IPv6 text) and `port`.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&ss); }
};
SockAddr MakeSockAddr(const char* ip, uint16_t port) {
  SockAddr a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (::inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = a.family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
  } else {
    EXPECT_EQ(::inet_pton(AF_INET6, ip, &v6->sin6_addr), 1) << ip;
    v6->sin6_family = a.family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
  }
  return a;
}

// Exchange sends `out` from a kernel socket of `protocol` (0 for UDP, or
// IPPROTO_ICMP / IPPROTO_ICMPV6 for a ping socket) to `to` and returns the
// first datagram that comes back within three seconds (empty if none).
std::vector<uint8_t> Exchange(const SockAddr& to, int protocol,
                              std::span<const uint8_t> out) {
  UniqueFd s(::socket(to.family, SOCK_DGRAM | SOCK_CLOEXEC, protocol));
  EXPECT_TRUE(s.valid()) << "socket: " << std::strerror(errno);
  if (!s.valid()) return {};
  const ssize_t sent =
      ::sendto(s.get(), out.data(), out.size(), 0, to.get(), to.len);
  EXPECT_EQ(sent, static_cast<ssize_t>(out.size()))
      << "sendto: " << std::strerror(errno);
  return fdlink::testing::RecvOne(s.get(), 3s);
}

// UdpEchoWorks checks the kernel gets its UDP payload back from port 7.
void ExpectUdpEcho(const char* ip) {
  SCOPED_TRACE(ip);
  const std::vector<uint8_t> payload = fdlink::testing::Pattern(300, 0x21);
  EXPECT_EQ(Exchange(MakeSockAddr(ip, 7), 0, payload), payload);
}

// ExpectPing sends an echo request from a kernel ping socket and checks the
// reply (the kernel fills in the identifier and checksum, and only hands a
// reply to the socket after verifying its checksum).
void ExpectPing(const char* ip) {
  SCOPED_TRACE(ip);
  const SockAddr to = MakeSockAddr(ip, 0);
  const bool v6 = to.family == AF_INET6;
  std::vector<uint8_t> req = EchoMessage(v6 ? header::icmpv6_type::kEchoRequest
                                            : header::icmpv4_type::kEchoRequest,
                                         0, 4711, 40);
  const std::vector<uint8_t> reply =
      Exchange(to, v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP}, req);
  ASSERT_EQ(reply.size(), req.size());
  header::Icmpv4 icmp{std::span<const uint8_t>(reply)};
  EXPECT_EQ(icmp.type(), v6 ? header::icmpv6_type::kEchoReply
                            : header::icmpv4_type::kEchoReply);
  EXPECT_EQ(icmp.sequence(), 4711);
  EXPECT_TRUE(std::ranges::equal(icmp.payload(),
                                 std::span<const uint8_t>(req).subspan(8)));
}

// EnablePingSockets lets root open ICMP ping sockets in the calling
// thread's namespace (the per-namespace default range allows nobody).
void EnablePingSockets() {
  std::ofstream f("/proc/sys/net/ipv4/ping_group_range");
  f << "0 0";
  f.close();
  ASSERT_TRUE(f.good()) << "cannot write ping_group_range";
}

// WaitUntilLocal waits (up to two seconds) until the kernel delivers a
// datagram sent to its own IPv6 address `ip` locally. Even with NODAD the
// kernel installs the local route of a new address from a work item a
// little after the address appears; until then it already uses the address
// as a source but drops packets addressed to it (Ip6InAddrErrors), which
// would lose the responder's first reply.
bool WaitUntilLocal(const char* ip) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  const std::vector<uint8_t> probe = fdlink::testing::Pattern(4);
  while (std::chrono::steady_clock::now() < deadline) {
    SockAddr self = MakeSockAddr(ip, 0);
    UniqueFd s(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (s.valid() && ::bind(s.get(), self.get(), self.len) == 0 &&
        ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&self.ss),
                      &self.len) == 0 &&
        ::sendto(s.get(), probe.data(), probe.size(), 0, self.get(),
                 self.len) == static_cast<ssize_t>(probe.size()) &&
        fdlink::testing::RecvOne(s.get(), 20ms) == probe) {
      return true;
    }
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

class ResponderKernelTest : public ::fdlink::testing::NetNsFixture {
 protected:
  // Run brings up a TAP (tap = true) or TUN device with the kernel's
  // addresses, serves the responder's on it, and has kernel sockets talk
  // to it. Returns the responder's counters at the end.
  ResponderCounters Run(bool tap, const Addresses& a) {
    std::optional<device::TunDevice> dev;
    RunInside(*ns_, [&] {
      Result<device::TunDevice> d =
          device::OpenTun({.name = tap ? "fdresp0" : "fdresptun0", .tap = tap});
      ASSERT_TRUE(d) << d.error().ToString();
      const int index = d->ifindex();
      ASSERT_TRUE(device::AddAddress(index, *device::Cidr::Parse(a.kernel_v4)));
      ASSERT_TRUE(device::AddAddress(index, *device::Cidr::Parse(a.kernel_v6)));
      ASSERT_TRUE(device::SetUp(index, true));
      EnablePingSockets();
      std::string v6(a.kernel_v6);
      ASSERT_TRUE(WaitUntilLocal(v6.substr(0, v6.find('/')).c_str()));
      dev.emplace(std::move(*d));
    });
    if (!dev) return {};

    fdbased::Options o;
    o.fds = dev->borrowed_fds();
    o.ethernet_header = tap;
    o.address = tap ? kOurMac : MacAddress();
    auto ep = fdbased::Endpoint::Create(std::move(o));
    EXPECT_TRUE(ep.has_value());
    if (!ep) return {};
    ResponderConfig config;
    config.ipv4 = {V4(a.responder_v4)};
    config.ipv6 = {V6(a.responder_v6)};
    Responder r(ep->get(), config);
    (*ep)->Attach(&r);
    RunInside(*ns_, [&] {
      EXPECT_TRUE(device::testing::WaitRunning(dev->ifindex()));
      ExpectUdpEcho(a.responder_v4);
      ExpectUdpEcho(a.responder_v6);
      ExpectPing(a.responder_v4);
      ExpectPing(a.responder_v6);
    });
    (*ep)->Attach(nullptr);
    const ResponderCounters c = r.Counters();
    EXPECT_EQ(c.udp_echoes, 2u) << c.Summary();
    EXPECT_EQ(c.icmpv4_echo_replies, 1u) << c.Summary();
    EXPECT_EQ(c.icmpv6_echo_replies, 1u) << c.Summary();
    EXPECT_EQ(c.tx_failed, 0u) << c.Summary();
    return c;
  }
};

// Over a TAP the kernel must first resolve us: ARP for IPv4, neighbour
// solicitation for IPv6. Had it rejected our advertisement, the IPv6
// exchanges would have found no neighbour and timed out.
TEST_F(ResponderKernelTest, KernelResolvesAndTalksOverTap) {
  const ResponderCounters c = Run(/*tap=*/true, kTapAddresses);
  EXPECT_GE(c.arp_replies, 1u) << c.Summary();
  EXPECT_GE(c.neighbor_advertisements, 1u) << c.Summary();
}

TEST_F(ResponderKernelTest, KernelTalksOverTun) {
  const ResponderCounters c = Run(/*tap=*/false, kTunAddresses);
  EXPECT_EQ(c.arp_replies, 0u);
  EXPECT_EQ(c.neighbor_advertisements, 0u);
}

}  // namespace
}  // namespace fdlink::responder::testing
