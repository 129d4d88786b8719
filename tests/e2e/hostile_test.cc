// Hostile frames end to end: malformed and unwanted frames reach the
// endpoint's read side over a real link, each is dropped and counted under
// its own reason (by the endpoint or the responder), and good traffic sent
// right after each one is still answered.
//
// How the frames get there: the kernel never emits a malformed IP packet
// of its own, but an AF_PACKET socket bound to a TUN or TAP interface hands
// what it sends straight to the device driver, which queues it, unchecked,
// for the descriptor our endpoint reads (for a TUN, a SOCK_DGRAM packet
// socket: no link header; for a TAP, SOCK_RAW with our Ethernet header).
// Frames no device can carry (shorter than an Ethernet header, empty,
// larger than any receive buffer) go over a socketpair instead.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>
#include <optional>
#include <thread>

#include "e2e/e2e_util.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::e2e {
namespace {

using fdbased::DropReason;
using responder::ResponderDrop;

constexpr char kKernelIp4[] = "198.18.0.1";
constexpr char kKernelIp6[] = "2001:db8::1";
constexpr MacAddress kPeerMac({0x02, 0xfd, 0, 0, 0, 0x02});
constexpr MacAddress kOtherMac({0x02, 0xfd, 0, 0, 0, 0x99});

// HostileCase is one frame and the one drop it must cause: in the
// endpoint (`link`) or in the responder (`stack`).
struct HostileCase {
  std::string name;
  std::vector<uint8_t> bytes;
  std::optional<DropReason> link;
  std::optional<ResponderDrop> stack;
};

HostileCase LinkDrop(std::string name, std::vector<uint8_t> b, DropReason r) {
  return {std::move(name), std::move(b), r, std::nullopt};
}
HostileCase StackDrop(std::string name, std::vector<uint8_t> b,
                      ResponderDrop r) {
  return {std::move(name), std::move(b), std::nullopt, r};
}

std::vector<uint8_t> GoodUdp4(uint16_t dport = 7) {
  return fdlink::testing::Ipv4Udp(kKernelIp4, kOurs4, 4000, dport, 32);
}
std::vector<uint8_t> GoodUdp6() {
  return fdlink::testing::Ipv6Udp(kKernelIp6, kOurs6, 4000, 7, 32);
}
// Ipv4Edited applies `edit` to a good IPv4/UDP packet and recomputes the
// IPv4 header checksum, so only the edited field is wrong.
std::vector<uint8_t> Ipv4Edited(
    const std::function<void(std::vector<uint8_t>&)>& edit) {
  std::vector<uint8_t> b = GoodUdp4();
  edit(b);
  header::MutableIpv4{std::span<uint8_t>(b)}.UpdateChecksum();
  return b;
}
std::vector<uint8_t> Truncated(std::vector<uint8_t> b, size_t n) {
  b.resize(n);
  return b;
}
std::vector<uint8_t> Ether(uint16_t type, std::span<const uint8_t> payload,
                           MacAddress dst = kOurMac) {
  return fdlink::testing::EthernetFrame(dst, kPeerMac, type, payload);
}

// IpCases are raw-IP frames (a TUN carries them as they are).
std::vector<HostileCase> IpCases() {
  std::vector<uint8_t> garbage = Payload(60, 3);
  garbage[0] = 0x05;  // IP version 0.
  return {
      LinkDrop("not_ip_by_version", garbage, DropReason::kUnknownProtocol),
      StackDrop("ipv4_truncated_header", Truncated(GoodUdp4(), 12),
                ResponderDrop::kTruncated),
      StackDrop("ipv4_ihl_4", Ipv4Edited([](auto& b) { b[0] = 0x44; }),
                ResponderDrop::kBadIpv4Header),
      StackDrop("ipv4_total_length_beyond_packet", Ipv4Edited([](auto& b) {
                  header::MutableIpv4{std::span<uint8_t>(b)}.SetTotalLength(
                      static_cast<uint16_t>(b.size() + 40));
                }),
                ResponderDrop::kBadIpv4Header),
      StackDrop(
          "ipv4_bad_header_checksum",
          [] {
            std::vector<uint8_t> b = GoodUdp4();
            b[10] ^= 0x55;
            return b;
          }(),
          ResponderDrop::kBadIpv4Checksum),
      StackDrop(
          "udp_bad_checksum",
          [] {
            std::vector<uint8_t> b = GoodUdp4();
            b.back() ^= 0x80;
            return b;
          }(),
          ResponderDrop::kBadTransportChecksum),
      StackDrop("udp_port_not_served", GoodUdp4(/*dport=*/9),
                ResponderDrop::kPortNotServed),
      StackDrop("ipv6_truncated_header", Truncated(GoodUdp6(), 30),
                ResponderDrop::kTruncated),
      StackDrop(
          "ipv6_payload_length_beyond_packet",
          [] {
            std::vector<uint8_t> b = GoodUdp6();
            header::MutableIpv6{std::span<uint8_t>(b)}.SetPayloadLength(
                static_cast<uint16_t>(b.size()));
            return b;
          }(),
          ResponderDrop::kBadIpv6Header),
  };
}

// EthernetCases are frames a TAP can carry.
std::vector<HostileCase> EthernetCases() {
  std::vector<uint8_t> arp(28, 0);
  arp[1] = 7;  // Hardware type 7: not Ethernet.
  std::vector<uint8_t> bad_checksum = GoodUdp4();
  bad_checksum[10] ^= 0x55;
  return {
      StackDrop("unknown_ethertype", Ether(0x88b5, Payload(64, 5)),
                ResponderDrop::kUnknownEtherType),
      LinkDrop("not_for_our_mac",
               Ether(kIPv4ProtocolNumber, GoodUdp4(), kOtherMac),
               DropReason::kNotForUs),
      StackDrop("malformed_arp", Ether(kARPProtocolNumber, arp),
                ResponderDrop::kMalformedArp),
      StackDrop("ipv4_bad_header_checksum",
                Ether(kIPv4ProtocolNumber, bad_checksum),
                ResponderDrop::kBadIpv4Checksum),
      StackDrop("ipv6_ethertype_with_ipv4_packet",
                Ether(kIPv6ProtocolNumber, GoodUdp4()),
                ResponderDrop::kBadIpv6Header),
  };
}

// SocketpairCases are frames only a socketpair can carry.
std::vector<HostileCase> SocketpairCases() {
  return {
      LinkDrop("runt_frame", Payload(10, 1), DropReason::kTruncated),
      LinkDrop("empty_datagram", {}, DropReason::kEmpty),
      LinkDrop("oversized_frame", Ether(kIPv4ProtocolNumber, Payload(70000, 2)),
               DropReason::kOversized),
      LinkDrop("not_for_our_mac",
               Ether(kIPv4ProtocolNumber, GoodUdp4(), kOtherMac),
               DropReason::kNotForUs),
      StackDrop("unknown_ethertype", Ether(0x88b5, Payload(64, 5)),
                ResponderDrop::kUnknownEtherType),
      StackDrop(
          "ipv4_ihl_4",
          Ether(kIPv4ProtocolNumber, Ipv4Edited([](auto& b) { b[0] = 0x44; })),
          ResponderDrop::kBadIpv4Header),
  };
}

class E2eHostileTest : public E2eTest {
 protected:
  // Run sends each case with `send`, then checks with `good` that good
  // traffic is still answered and that the case's drop counter went up by
  // exactly one. (Other counters may move too: the kernel's own IPv6
  // chatter on a fresh interface is dropped as well.)
  void Run(const std::vector<HostileCase>& cases,
           const std::function<void(const HostileCase&)>& send,
           const std::function<bool()>& good) {
    ASSERT_TRUE(good()) << "no answer before any hostile frame";
    for (const HostileCase& c : cases) {
      SCOPED_TRACE(c.name);
      const fdbased::FdCounters link_before = ep_->TotalCounters();
      const responder::ResponderCounters stack_before = SettledCounters();
      send(c);
      EXPECT_TRUE(good()) << "good traffic not answered after " << c.name;
      // Drops are counted after the read; wait for the one expected.
      auto counted = [&] {
        return c.link ? ep_->TotalCounters().drops_of(*c.link) >
                            link_before.drops_of(*c.link)
                      : SettledCounters().drops_of(*c.stack) >
                            stack_before.drops_of(*c.stack);
      };
      const auto deadline = std::chrono::steady_clock::now() + 5s;
      while (!counted() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
      const fdbased::FdCounters link_after = ep_->TotalCounters();
      const responder::ResponderCounters stack_after = SettledCounters();
      if (c.link) {
        EXPECT_EQ(link_after.drops_of(*c.link),
                  link_before.drops_of(*c.link) + 1)
            << "expected an endpoint " << fdbased::DropReasonName(*c.link)
            << " drop";
      } else {
        EXPECT_EQ(stack_after.drops_of(*c.stack),
                  stack_before.drops_of(*c.stack) + 1)
            << "expected a responder " << responder::ResponderDropName(*c.stack)
            << " drop; " << stack_after.Summary();
      }
      EXPECT_EQ(link_after.rx_errors, 0u);
      EXPECT_EQ(stack_after.tx_failed, 0u);
    }
  }
};

// Injector sends frames out of an interface from the kernel's side through
// an AF_PACKET socket opened inside the namespace.
class Injector {
 public:
  Injector(const device::NetNs& ns, const char* ifname, bool ethernet) {
    Result<void> ran = ns.Run([&] {
      fd_.reset(::socket(AF_PACKET,
                         (ethernet ? SOCK_RAW : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
      ifindex_ = static_cast<int>(::if_nametoindex(ifname));
    });
    EXPECT_TRUE(ran);
    EXPECT_TRUE(fd_.valid()) << "socket(AF_PACKET): " << std::strerror(errno);
    EXPECT_GT(ifindex_, 0);
  }
  // Send writes `bytes` (for a TUN, an IP packet tagged with `protocol`).
  void Send(std::span<const uint8_t> bytes, uint16_t protocol) {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(protocol);
    to.sll_ifindex = ifindex_;
    const ssize_t n =
        ::sendto(fd_.get(), bytes.data(), bytes.size(), 0,
                 reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    EXPECT_EQ(n, static_cast<ssize_t>(bytes.size()))
        << "sendto(AF_PACKET): " << std::strerror(errno);
  }

 private:
  UniqueFd fd_;
  int ifindex_ = 0;
};

// The TUN and TAP cases run in every mode of non-socket fds.
class E2eHostileDeviceTest : public E2eHostileTest, public E2eModeParam {};

TEST_P(E2eHostileDeviceTest, TunFramesFromTheKernelSide) {
  ASSERT_TRUE(OpenDevice("fde2ehtun0", false));
  fdbased::Options o;
  o.processors_per_channel = 1;
  o.dispatch_mode = GetParam();
  StartResponder(tun_->borrowed_fds(), o);
  ASSERT_TRUE(ep_);
  Injector inject(*ns_, "fde2ehtun0", /*ethernet=*/false);
  const UniqueFd s4 = OpenUdpIn(*ns_, AF_INET);
  const UniqueFd s6 = OpenUdpIn(*ns_, AF_INET6);
  int round = 0;
  Run(
      IpCases(),
      [&](const HostileCase& c) {
        const bool v6 = !c.bytes.empty() && (c.bytes[0] >> 4) == 6;
        inject.Send(c.bytes, v6 ? ETH_P_IPV6 : ETH_P_IP);
      },
      [&] {
        ++round;
        return UdpEcho(s4.get(), MakeSockAddr(kOurs4, 7), Payload(40, round)) &&
               UdpEcho(s6.get(), MakeSockAddr(kOurs6, 7), Payload(40, round));
      });
}

TEST_P(E2eHostileDeviceTest, TapFramesFromTheKernelSide) {
  ASSERT_TRUE(OpenDevice("fde2ehtap0", true));
  fdbased::Options o = EthernetOptions();
  o.dispatch_mode = GetParam();
  StartResponder(tun_->borrowed_fds(), o);
  ASSERT_TRUE(ep_);
  Injector inject(*ns_, "fde2ehtap0", /*ethernet=*/true);
  const UniqueFd s4 = OpenUdpIn(*ns_, AF_INET);
  int round = 0;
  Run(
      EthernetCases(),
      [&](const HostileCase& c) { inject.Send(c.bytes, ETH_P_ALL); },
      [&] {
        ++round;
        return UdpEcho(s4.get(), MakeSockAddr(kOurs4, 7), Payload(40, round));
      });
}

INSTANTIATE_TEST_SUITE_P(
    Modes, E2eHostileDeviceTest,
    fdlink::testing::ModesOf(fdlink::testing::FdKind::kNonSocket),
    fdlink::testing::ModeParamName);

class E2eHostileSocketpairTest : public E2eHostileTest, public E2eModeParam {
 protected:
  // Outlives the endpoint: TearDown detaches before members are destroyed.
  fdlink::testing::SocketPairs pairs_{1, SOCK_DGRAM};
};

TEST_P(E2eHostileSocketpairTest, FramesNoDeviceCarries) {
  const int peer = pairs_.peers[0].get();
  fdbased::Options o = EthernetOptions();
  o.dispatch_mode = GetParam();
  StartResponder(pairs_.ours(), o);
  ASSERT_TRUE(ep_);
  uint16_t round = 0;
  Run(
      SocketpairCases(),
      [&](const HostileCase& c) {
        const ssize_t n = ::send(peer, c.bytes.data(), c.bytes.size(), 0);
        EXPECT_EQ(n, static_cast<ssize_t>(c.bytes.size()))
            << "send: " << std::strerror(errno);
      },
      [&] {
        // A UDP echo request from the peer comes back with the ports
        // swapped, to the peer's MAC. (Source ports 7 and 19 are echo
        // services, never answered: the rounds stay clear of them.)
        ++round;
        const std::vector<uint8_t> req = fdlink::testing::Ipv4Udp(
            kKernelIp4, kOurs4, static_cast<uint16_t>(4000 + round), 7, 32);
        fdlink::testing::Send(peer, Ether(kIPv4ProtocolNumber, req));
        const std::vector<uint8_t> reply = fdlink::testing::RecvOne(peer, 5s);
        if (reply.size() != 14 + req.size()) return false;
        header::Udp udp(std::span<const uint8_t>(reply).subspan(14 + 20));
        return std::equal(kPeerMac.bytes().begin(), kPeerMac.bytes().end(),
                          reply.begin()) &&
               udp.dst_port() == 4000 + round && udp.src_port() == 7;
      });
}

INSTANTIATE_TEST_SUITE_P(
    Modes, E2eHostileSocketpairTest,
    fdlink::testing::ModesOf(fdlink::testing::FdKind::kSocketpair),
    fdlink::testing::ModeParamName);

}  // namespace
}  // namespace fdlink::e2e
