// Helpers shared by the responder tests: addresses, request builders, and
// ResponderHarness, a Responder on a real fdbased::Endpoint over a
// SOCK_SEQPACKET socketpair whose peer end the test plays.
#ifndef FDLINK_TESTS_RESPONDER_RESPONDER_TEST_UTIL_H_
#define FDLINK_TESTS_RESPONDER_RESPONDER_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "fdlink/header/arp.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ndp.h"
#include "fdlink/header/udp.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/responder/responder.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::responder::testing {

using namespace std::chrono_literals;

inline constexpr MacAddress kOurMac({0x02, 0, 0, 0, 0, 0x01});
inline constexpr MacAddress kPeerMac({0x02, 0, 0, 0, 0, 0x02});

inline constexpr char kOurV4[] = "198.18.0.1";
inline constexpr char kPeerV4[] = "198.18.0.2";
inline constexpr char kOtherV4[] = "198.18.0.3";
inline constexpr char kOurV6[] = "2001:db8::1";
inline constexpr char kPeerV6[] = "2001:db8::2";
inline constexpr char kOtherV6[] = "2001:db8::3";

inline header::Ipv4Address V4(std::string_view text) {
  return header::Ipv4Address::Parse(text).value();
}
inline header::Ipv6Address V6(std::string_view text) {
  return header::Ipv6Address::Parse(text).value();
}

// DefaultConfig answers for kOurV4 and kOurV6, UDP echo on port 7.
inline ResponderConfig DefaultConfig() {
  ResponderConfig c;
  c.ipv4 = {V4(kOurV4)};
  c.ipv6 = {V6(kOurV6)};
  return c;
}

// --- Request builders. Every one produces valid checksums. ---

// Ipv4Packet wraps `payload` in a 20-byte IPv4 header.
inline std::vector<uint8_t> Ipv4Packet(std::string_view src,
                                       std::string_view dst, uint8_t protocol,
                                       std::span<const uint8_t> payload) {
  std::vector<uint8_t> b(header::kIpv4MinimumSize + payload.size());
  header::MutableIpv4 ip{std::span<uint8_t>(b)};
  ip.SetVersion(4);
  ip.SetHeaderLength(header::kIpv4MinimumSize);
  ip.SetTotalLength(static_cast<uint16_t>(b.size()));
  ip.SetId(0x1234);
  ip.SetTtl(64);
  ip.SetProtocol(protocol);
  ip.SetSrc(V4(src));
  ip.SetDst(V4(dst));
  ip.UpdateChecksum();
  std::copy(payload.begin(), payload.end(),
            b.begin() + header::kIpv4MinimumSize);
  return b;
}

// Ipv6Packet wraps `payload` in a 40-byte IPv6 header.
inline std::vector<uint8_t> Ipv6Packet(std::string_view src,
                                       std::string_view dst,
                                       uint8_t next_header,
                                       std::span<const uint8_t> payload,
                                       uint8_t hop_limit = 64) {
  std::vector<uint8_t> b(header::kIpv6FixedHeaderSize + payload.size());
  header::MutableIpv6 ip{std::span<uint8_t>(b)};
  ip.SetVersion(6);
  ip.SetPayloadLength(static_cast<uint16_t>(payload.size()));
  ip.SetNextHeader(next_header);
  ip.SetHopLimit(hop_limit);
  ip.SetSrc(V6(src));
  ip.SetDst(V6(dst));
  std::copy(payload.begin(), payload.end(),
            b.begin() + header::kIpv6FixedHeaderSize);
  return b;
}

// EchoMessage builds an ICMP echo request message (checksum left 0).
inline std::vector<uint8_t> EchoMessage(uint8_t type, uint16_t id, uint16_t seq,
                                        size_t payload_size) {
  std::vector<uint8_t> m(header::kIcmpHeaderSize);
  header::MutableIcmpv4 icmp{std::span<uint8_t>(m)};
  icmp.SetType(type);
  icmp.SetIdent(id);
  icmp.SetSequence(seq);
  std::vector<uint8_t> p = fdlink::testing::Pattern(payload_size, 0x40);
  m.insert(m.end(), p.begin(), p.end());
  return m;
}

// Icmpv4Echo builds an IPv4 ICMP echo request.
inline std::vector<uint8_t> Icmpv4Echo(std::string_view src,
                                       std::string_view dst, uint16_t id,
                                       uint16_t seq, size_t payload_size = 56) {
  std::vector<uint8_t> m =
      EchoMessage(header::icmpv4_type::kEchoRequest, id, seq, payload_size);
  header::MutableIcmpv4(std::span<uint8_t>(m))
      .SetChecksum(header::Icmpv4Checksum(m));
  return Ipv4Packet(src, dst, header::ip_proto::kIcmpv4, m);
}

// Icmpv6Packet builds an IPv6 packet carrying ICMPv6 `message`, with the
// checksum filled in.
inline std::vector<uint8_t> Icmpv6Packet(std::string_view src,
                                         std::string_view dst,
                                         std::vector<uint8_t> message,
                                         uint8_t hop_limit = 64) {
  header::MutableIcmpv6(std::span<uint8_t>(message))
      .SetChecksum(header::Icmpv6Checksum(V6(src), V6(dst), message));
  return Ipv6Packet(src, dst, header::ip_proto::kIcmpv6, message, hop_limit);
}

// Icmpv6Echo builds an IPv6 ICMPv6 echo request.
inline std::vector<uint8_t> Icmpv6Echo(std::string_view src,
                                       std::string_view dst, uint16_t id,
                                       uint16_t seq, size_t payload_size = 56) {
  return Icmpv6Packet(
      src, dst,
      EchoMessage(header::icmpv6_type::kEchoRequest, id, seq, payload_size));
}

// NeighborSolicitation builds an NS for `target` from src to dst, with a
// source link-layer address option when `sllao` is set.
inline std::vector<uint8_t> NeighborSolicitation(
    std::string_view src, std::string_view dst, std::string_view target,
    std::optional<MacAddress> sllao = kPeerMac, uint8_t hop_limit = 255) {
  std::vector<uint8_t> m(header::kNdpNeighborMinimumSize +
                         (sllao ? header::kNdpLinkLayerAddressOptionSize : 0));
  header::MutableNdpNeighbor ns{std::span<uint8_t>(m)};
  ns.SetType(header::icmpv6_type::kNeighborSolicitation);
  ns.SetTarget(V6(target));
  if (sllao) {
    header::WriteNdpLinkLayerAddressOption(
        std::span<uint8_t>(m)
            .subspan<header::kNdpNeighborMinimumSize,
                     header::kNdpLinkLayerAddressOptionSize>(),
        header::ndp_option::kSourceLinkLayerAddress, sllao->bytes());
  }
  return Icmpv6Packet(src, dst, std::move(m), hop_limit);
}

// ArpPacket builds an Ethernet/IPv4 ARP packet (28 bytes).
inline std::vector<uint8_t> ArpPacket(uint16_t op, MacAddress sha,
                                      std::string_view spa,
                                      std::string_view tpa) {
  std::vector<uint8_t> b(header::kArpSize);
  header::MutableArp arp{std::span<uint8_t>(b)};
  arp.SetIpv4OverEthernet();
  arp.SetOp(op);
  arp.SetSenderHardwareAddress(sha.bytes());
  arp.SetSenderProtocolAddress(V4(spa));
  arp.SetTargetProtocolAddress(V4(tpa));
  return b;
}

// --- Reply checkers ---

// CheckIpv4Reply checks an IPv4 reply's header (20 bytes, valid checksum,
// exact total length, DF, TTL 64, the given addresses and protocol) and
// returns its payload; empty if the header is unusable.
inline std::vector<uint8_t> CheckIpv4Reply(const std::vector<uint8_t>& b,
                                           std::string_view src,
                                           std::string_view dst,
                                           uint8_t protocol) {
  Result<header::Ipv4> ip = header::Ipv4::Parse(std::span<const uint8_t>(b));
  EXPECT_TRUE(ip.has_value()) << "reply is not an IPv4 packet";
  if (!ip) return {};
  EXPECT_EQ(ip->header_length(), header::kIpv4MinimumSize);
  EXPECT_EQ(ip->total_length(), b.size());
  EXPECT_TRUE(ip->IsChecksumValid());
  EXPECT_FALSE(ip->IsFragment());
  EXPECT_TRUE(ip->dont_fragment());
  EXPECT_EQ(ip->ttl(), 64);
  EXPECT_EQ(ip->protocol(), protocol);
  EXPECT_EQ(ip->src(), V4(src));
  EXPECT_EQ(ip->dst(), V4(dst));
  std::span<const uint8_t> p = ip->payload();
  return std::vector<uint8_t>(p.begin(), p.end());
}

// CheckIpv6Reply checks an IPv6 reply's fixed header (exact payload length,
// no extension headers, the given addresses and hop limit) and returns its
// payload; empty if the header is unusable.
inline std::vector<uint8_t> CheckIpv6Reply(const std::vector<uint8_t>& b,
                                           std::string_view src,
                                           std::string_view dst,
                                           uint8_t next_header,
                                           uint8_t hop_limit = 64) {
  Result<header::Ipv6> ip = header::Ipv6::Parse(std::span<const uint8_t>(b));
  EXPECT_TRUE(ip.has_value()) << "reply is not an IPv6 packet";
  if (!ip) return {};
  EXPECT_EQ(ip->payload_length() + header::kIpv6FixedHeaderSize, b.size());
  EXPECT_EQ(ip->traffic_class(), 0);
  EXPECT_EQ(ip->flow_label(), 0u);
  EXPECT_EQ(ip->next_header(), next_header);
  EXPECT_EQ(ip->hop_limit(), hop_limit);
  EXPECT_EQ(ip->src(), V6(src));
  EXPECT_EQ(ip->dst(), V6(dst));
  std::span<const uint8_t> p = ip->payload();
  return std::vector<uint8_t>(p.begin(), p.end());
}

// --- Harness ---

// LinkMode is how the endpoint frames packets.
enum class LinkMode { kEthernet, kRawIp };

inline const char* LinkModeName(LinkMode m) {
  return m == LinkMode::kEthernet ? "Ethernet" : "RawIp";
}
// PrintTo names the mode in test output.
inline void PrintTo(LinkMode m, std::ostream* os) { *os << LinkModeName(m); }

// ResponderHarness runs a Responder on a real fdbased::Endpoint over one
// SOCK_SEQPACKET socketpair (one receive thread, so packets are handled in
// the order sent). The test plays the peer at kPeerMac.
class ResponderHarness {
 public:
  explicit ResponderHarness(LinkMode mode,
                            ResponderConfig config = DefaultConfig(),
                            bool rx_checksum_offload = false)
      : mode_(mode), pairs_(1) {
    fdbased::Options o;
    o.fds = pairs_.ours();
    o.ethernet_header = mode == LinkMode::kEthernet;
    o.address = mode == LinkMode::kEthernet ? kOurMac : MacAddress();
    o.processors_per_channel = 1;
    o.rx_checksum_offload = rx_checksum_offload;
    Result<std::unique_ptr<fdbased::Endpoint>> ep =
        fdbased::Endpoint::Create(std::move(o));
    EXPECT_TRUE(ep.has_value()) << ep.error().ToString();
    ep_ = std::move(ep).value();
    responder_ = std::make_unique<Responder>(ep_.get(), std::move(config));
    ep_->Attach(responder_.get());
  }
  ~ResponderHarness() { ep_->Attach(nullptr); }

  LinkMode mode() const { return mode_; }
  Responder& responder() { return *responder_; }
  fdbased::Endpoint& endpoint() { return *ep_; }
  int peer_fd() const { return pairs_.peers[0].get(); }

  // SendFrame writes `bytes` as one datagram, exactly as given.
  void SendFrame(std::span<const uint8_t> bytes) {
    fdlink::testing::Send(peer_fd(), bytes);
  }
  // SendEther sends `payload` with an Ethernet header (Ethernet mode only).
  void SendEther(uint16_t ether_type, std::span<const uint8_t> payload,
                 MacAddress dst = kOurMac, MacAddress src = kPeerMac) {
    SendFrame(fdlink::testing::EthernetFrame(dst, src, ether_type, payload));
  }
  // SendIp sends an IP packet: as is in raw-IP mode, in an Ethernet frame
  // from kPeerMac to `dst` (EtherType from the version nibble) otherwise.
  void SendIp(std::span<const uint8_t> ip, MacAddress dst = kOurMac) {
    if (mode_ == LinkMode::kRawIp) return SendFrame(ip);
    const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
    SendEther(v6 ? kIPv6ProtocolNumber : kIPv4ProtocolNumber, ip, dst);
  }

  // RecvFrame returns the next datagram the endpoint wrote, or empty after
  // `timeout`.
  std::vector<uint8_t> RecvFrame(std::chrono::milliseconds timeout = 5s) {
    return fdlink::testing::RecvOne(peer_fd(), timeout);
  }
  // RecvIp returns the next reply's network packet. In Ethernet mode it
  // checks the Ethernet header (from kOurMac to `dst_mac`, EtherType
  // `ether_type`) and strips it. Empty on timeout.
  std::vector<uint8_t> RecvIp(uint16_t ether_type,
                              MacAddress dst_mac = kPeerMac) {
    std::vector<uint8_t> f = RecvFrame();
    if (mode_ == LinkMode::kRawIp || f.empty()) return f;
    EXPECT_GE(f.size(), header::kEthernetHeaderSize);
    if (f.size() < header::kEthernetHeaderSize) return {};
    header::Ethernet eth{std::span<const uint8_t>(f)};
    EXPECT_EQ(MacAddress(eth.dst()), dst_mac);
    EXPECT_EQ(MacAddress(eth.src()), kOurMac);
    EXPECT_EQ(eth.ether_type(), ether_type);
    return std::vector<uint8_t>(f.begin() + header::kEthernetHeaderSize,
                                f.end());
  }
  // ExpectNoReply checks that nothing arrives for a short while.
  void ExpectNoReply() {
    std::vector<uint8_t> f = RecvFrame(100ms);
    EXPECT_TRUE(f.empty()) << "unexpected " << f.size() << "-byte reply";
  }

  // WaitCounters polls the counters until `done` holds (replies are
  // counted just after they are written, so a test that has read a reply
  // may briefly see the old counters) and returns the last snapshot.
  ResponderCounters WaitCounters(
      const std::function<bool(const ResponderCounters&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    ResponderCounters c = responder_->Counters();
    while (!done(c) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
      c = responder_->Counters();
    }
    return c;
  }
  // WaitSettled waits until every received packet is accounted for (as a
  // reply, tx failure or drop) and at least `received` have arrived.
  ResponderCounters WaitSettled(uint64_t received) {
    return WaitCounters([received](const ResponderCounters& c) {
      return c.received >= received &&
             c.received == c.replies() + c.tx_failed + c.total_drops();
    });
  }

 private:
  LinkMode mode_;
  fdlink::testing::SocketPairs pairs_;
  std::unique_ptr<fdbased::Endpoint> ep_;
  std::unique_ptr<Responder> responder_;
};

// ModeTest is the base of tests run in both link modes.
class ModeTest : public ::testing::TestWithParam<LinkMode> {};

inline std::string ModeParamName(const ::testing::TestParamInfo<LinkMode>& i) {
  return LinkModeName(i.param);
}

}  // namespace fdlink::responder::testing

#endif  // FDLINK_TESTS_RESPONDER_RESPONDER_TEST_UTIL_H_
