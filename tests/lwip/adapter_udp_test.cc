// What the adapter answers itself, against the kernel: UDP to any
// destination (OnUdp sees the original addresses, SendUdp's reply reaches
// the client's socket byte for byte) with idle expiry and a cap, and the
// kernel's ping of any address through the TUN.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "fdlink/lwip/netif_adapter.h"
#include "lwip/tun_adapter_fixture.h"
#include "testing/packets.h"

namespace fdlink::lwip {
namespace {

using namespace std::chrono_literals;

// Datagram is one UdpFn call.
struct Datagram {
  FlowAddr src, dst;
  std::vector<uint8_t> payload;
};

// Recorder is a UdpFn that keeps every datagram.
struct Recorder {
  std::mutex mu;
  std::vector<Datagram> got;  // Guarded by mu.

  NetifAdapter::UdpFn Fn() {
    return [this](const FlowAddr& src, const FlowAddr& dst,
                  std::span<const uint8_t> payload) {
      std::lock_guard<std::mutex> l(mu);
      got.push_back(Datagram{src, dst, {payload.begin(), payload.end()}});
    };
  }
  size_t Size() {
    std::lock_guard<std::mutex> l(mu);
    return got.size();
  }
  Datagram At(size_t i) {
    std::lock_guard<std::mutex> l(mu);
    return got.at(i);
  }
};

// LocalPort is the port a socket is bound to.
uint16_t LocalPort(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return a.ss_family == AF_INET
             ? ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port)
             : ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
}

class AdapterUdpTest : public TunAdapterTest,
                       public ::testing::WithParamInterface<bool> {
 protected:
  bool V6() const { return GetParam(); }
  std::string Addr(int host) const {
    return (V6() ? "2001:db8:64::" : "198.18.64.") + std::to_string(host);
  }
  void Start(AdapterConfig config = Config()) {
    Create(config);
    ASSERT_TRUE(adapter_);
    adapter_->OnUdp(udp_.Fn());
    adapter_->Attach();
  }
  // Send sends `payload` from `fd` to Addr(host):port.
  void Send(int fd, int host, uint16_t port, std::span<const uint8_t> payload) {
    const e2e::SockAddr to = e2e::MakeSockAddr(Addr(host), port);
    ASSERT_EQ(::sendto(fd, payload.data(), payload.size(), 0, to.get(), to.len),
              static_cast<ssize_t>(payload.size()));
  }

  Recorder udp_;
};

TEST_P(AdapterUdpTest, DatagramReachesTheHandlerAndTheReplyTheClient) {
  Start();
  ASSERT_TRUE(adapter_);
  UniqueFd s = e2e::OpenUdpIn(*ns_, V6() ? AF_INET6 : AF_INET);
  ASSERT_TRUE(s.valid());
  const std::vector<uint8_t> query = testing::Pattern(700, 3);
  Send(s.get(), 9, 5353, query);
  ASSERT_TRUE(WaitUntil([&] { return udp_.Size() == 1; }));
  const Datagram d = udp_.At(0);
  EXPECT_EQ(d.dst.ToString(),
            V6() ? "[2001:db8:64::9]:5353" : "198.18.64.9:5353");
  EXPECT_EQ(d.src.port, LocalPort(s.get()));
  EXPECT_EQ(d.payload, query);
  EXPECT_EQ(adapter_->TranslationCounters().open, 1u);

  const std::vector<uint8_t> answer = testing::Pattern(1200, 77);
  ASSERT_TRUE(adapter_->SendUdp(d.dst, d.src, answer));
  pollfd p{s.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no reply";
  std::vector<uint8_t> got(2048);
  sockaddr_storage from{};
  socklen_t len = sizeof(from);
  const ssize_t n = ::recvfrom(s.get(), got.data(), got.size(), 0,
                               reinterpret_cast<sockaddr*>(&from), &len);
  ASSERT_GT(n, 0);
  got.resize(static_cast<size_t>(n));
  EXPECT_EQ(got, answer);
  const e2e::SockAddr want = e2e::MakeSockAddr(Addr(9), 5353);
  ASSERT_EQ(len, want.len);
  EXPECT_EQ(std::memcmp(&from, &want.ss, len), 0) << "reply's source";

  const AdapterCounters c = adapter_->Counters();
  EXPECT_EQ(c.udp_rx, 1u);
  EXPECT_EQ(c.udp_tx, 1u);
  EXPECT_EQ(c.udp_dropped, 0u);
  EXPECT_EQ(c.rx_translated, 0u) << "UDP never enters lwIP";
}

TEST_P(AdapterUdpTest, IdleFlowExpiresAndNothingIsLeft) {
  AdapterConfig config = Config();
  config.nat.udp_idle = 200ms;
  Start(config);
  ASSERT_TRUE(adapter_);
  UniqueFd s = e2e::OpenUdpIn(*ns_, V6() ? AF_INET6 : AF_INET);
  ASSERT_TRUE(s.valid());
  const std::vector<uint8_t> one = {1, 2, 3};
  Send(s.get(), 10, 53, one);
  Send(s.get(), 10, 53, one);  // The same flow: one entry.
  ASSERT_TRUE(WaitUntil([&] { return udp_.Size() == 2; }));
  EXPECT_EQ(adapter_->TranslationCounters().created, 1u);
  ASSERT_TRUE(
      WaitUntil([&] { return adapter_->TranslationCounters().open == 0; }));
  EXPECT_EQ(adapter_->TranslationCounters().expired, 1u);
  // A late reply is still sent; a new datagram opens a new entry.
  const Datagram d = udp_.At(0);
  EXPECT_TRUE(adapter_->SendUdp(d.dst, d.src, one));
  Send(s.get(), 10, 53, one);
  ASSERT_TRUE(WaitUntil([&] { return udp_.Size() == 3; }));
  EXPECT_EQ(adapter_->TranslationCounters().created, 2u);
  ExpectNothingLeft();
}

TEST_P(AdapterUdpTest, FlowsOverTheCapAreDroppedAndCounted) {
  Start(Config(/*max_entries=*/1));
  ASSERT_TRUE(adapter_);
  UniqueFd s = e2e::OpenUdpIn(*ns_, V6() ? AF_INET6 : AF_INET);
  ASSERT_TRUE(s.valid());
  const std::vector<uint8_t> one = {9};
  Send(s.get(), 11, 53, one);
  ASSERT_TRUE(WaitUntil([&] { return udp_.Size() == 1; }));
  Send(s.get(), 12, 53, one);  // A second flow: over the cap.
  ASSERT_TRUE(WaitUntil([&] { return adapter_->Counters().udp_dropped == 1; }));
  EXPECT_EQ(udp_.Size(), 1u);
  EXPECT_EQ(adapter_->TranslationCounters().refused, 1u);
}

TEST_P(AdapterUdpTest, KernelPingOfAnyAddressIsAnswered) {
  Start();
  ASSERT_TRUE(adapter_);
  const e2e::PingResult r = e2e::Ping(*ns_, Addr(99), 3);
  EXPECT_EQ(r.received, 3) << r.output;
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_GE(adapter_->Counters().icmp_echo_replied, 3u);
  EXPECT_EQ(adapter_->TranslationCounters().open, 0u) << "ICMP has no entry";
}

INSTANTIATE_TEST_SUITE_P(Families, AdapterUdpTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? "Ipv6" : "Ipv4";
                         });

// Bad datagrams are dropped and counted and the adapter goes on: a bad
// checksum, a fragment, UDP without a handler's flow; then a good one is
// delivered.
TEST(AdapterUdpHostile, BadDatagramsAreCountedThenAGoodOneIsDelivered) {
  Recorder udp;
  PairLink link([&](NetifAdapter& a) { a.OnUdp(udp.Fn()); });
  ASSERT_TRUE(link.adapter);
  std::vector<uint8_t> bad_sum =
      testing::Ipv4Udp("198.18.64.1", "198.18.64.9", 5, 53, 16);
  bad_sum.back() ^= 0x55;
  std::vector<uint8_t> fragment =
      testing::Ipv4Udp("198.18.64.1", "198.18.64.9", 5, 53, 16);
  fragment[6] = 0x20;  // More fragments (the header checksum is not fixed:
                       // the fragment is refused before it matters).
  std::vector<uint8_t> bad6 =
      testing::Ipv6Udp("2001:db8:64::1", "2001:db8:64::9", 5, 53, 16);
  bad6[46] = bad6[47] = 0;  // IPv6 UDP must have a checksum.
  for (const std::vector<uint8_t>& b : {bad_sum, fragment, bad6}) {
    ASSERT_TRUE(sys::Write(link.peer.get(), b));
  }
  ASSERT_TRUE(
      sys::Write(link.peer.get(),
                 testing::Ipv4Udp("198.18.64.1", "198.18.64.9", 5, 53, 16)));
  ASSERT_TRUE(WaitUntil([&] { return udp.Size() == 1; }));
  EXPECT_TRUE(
      WaitUntil([&] { return link.adapter->Counters().rx_packets == 4; }));
  const AdapterCounters c = link.adapter->Counters();
  EXPECT_EQ(c.udp_dropped, 3u);
  EXPECT_EQ(c.udp_rx, 1u);
  EXPECT_EQ(udp.At(0).dst.ToString(), "198.18.64.9:53");
  EXPECT_EQ(udp.At(0).payload.size(), 16u);
}

TEST(AdapterUdpHostile, SendUdpRefusesBadArgumentsAndWorksUntilDetach) {
  PairLink link;
  ASSERT_TRUE(link.adapter);
  const FlowAddr from = FlowAddr::FromV4(V4("198.18.64.9"), 53);
  const FlowAddr to = FlowAddr::FromV4(V4("198.18.64.1"), 5);
  const FlowAddr to6 = FlowAddr::FromV6(V6("2001:db8:64::1"), 5);
  const std::vector<uint8_t> big(link.ep->MTU(), 1);
  Result<void> r = link.adapter->SendUdp(from, to6, big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  r = link.adapter->SendUdp(from, to, big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << "over the MTU";
  const std::vector<uint8_t> small(10, 2);
  ASSERT_TRUE(link.adapter->SendUdp(from, to, small));
  std::vector<uint8_t> got(2048);
  pollfd p{link.peer.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  const ssize_t n = ::read(link.peer.get(), got.data(), got.size());
  ASSERT_EQ(n, 38);
  got.resize(38);
  std::optional<ParsedFlow> f = ParseFlow(got);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->key.src, from);
  EXPECT_EQ(f->key.dst, to);
  link.adapter->Detach();
  r = link.adapter->SendUdp(from, to, small);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kClosed);
}

}  // namespace
}  // namespace fdlink::lwip
