// The packets the adapter builds itself (RST, UDP, echo reply), checked
// byte by byte and with checksums summed from scratch here.
#include "lwip/adapter_packets.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "fdlink/header/ipv6.h"
#include "fdlink/lwip/nat_rewrite.h"
#include "lwip/lwip_test_packets.h"
#include "testing/packets.h"

namespace fdlink::lwip {
namespace {

// Sum is the one's complement sum of `b` (RFC 1071), folded, plus `init`.
uint32_t Sum(std::span<const uint8_t> b, uint32_t init = 0) {
  uint32_t s = init;
  for (size_t i = 0; i + 1 < b.size(); i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.size() % 2 != 0) s += b.back() << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
  return s;
}

// L4Verifies sums the pseudo header (addresses, protocol, length) and the
// L4 bytes of `ip`; a correct checksum makes 0xffff.
bool L4Verifies(std::span<const uint8_t> ip, uint8_t proto) {
  const bool v6 = (ip[0] >> 4) == 6;
  const size_t hlen = v6 ? 40 : (ip[0] & 0x0f) * 4u;
  std::span<const uint8_t> l4 = ip.subspan(hlen);
  uint32_t s = v6 ? Sum(ip.subspan(8, 32)) : Sum(ip.subspan(12, 8));
  s += proto + static_cast<uint32_t>(l4.size());
  return Sum(l4, s) == 0xffff;
}

uint16_t Be16(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>((b[off] << 8) | b[off + 1]);
}
uint32_t Be32(std::span<const uint8_t> b, size_t off) {
  return (uint32_t{Be16(b, off)} << 16) | Be16(b, off + 2);
}

TEST(WriteTcpReset, Ipv4ResetAcksTheSynFromItsDestination) {
  std::array<uint8_t, kTcpResetSize> b{};
  const FlowAddr from = FlowAddr::FromV4(V4("198.18.64.7"), 80);
  const FlowAddr to = FlowAddr::FromV4(V4("198.18.64.1"), 40000);
  Result<size_t> n = WriteTcpReset(b, from, to, 0xdeadbef0);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 40u);
  std::span<const uint8_t> p(b.data(), *n);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(Be16(p, 2), 40);
  EXPECT_EQ(p[9], 6);
  EXPECT_EQ(Sum(p.first(20)), 0xffff) << "IPv4 header checksum";
  EXPECT_TRUE(L4Verifies(p, 6)) << "TCP checksum";
  std::optional<ParsedFlow> f = ParseFlow(p);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->key.src.ToString(), "198.18.64.7:80");
  EXPECT_EQ(f->key.dst.ToString(), "198.18.64.1:40000");
  EXPECT_EQ(f->tcp_flags, 0x14) << "RST|ACK";
  EXPECT_EQ(Be32(p, 24), 0u) << "seq";
  EXPECT_EQ(Be32(p, 28), 0xdeadbef0u) << "ack";
  EXPECT_EQ(p[32] >> 4, 5) << "no options";
}

TEST(WriteTcpReset, Ipv6ResetVerifiesAndMixedFamiliesAreRefused) {
  std::array<uint8_t, kTcpResetSize> b{};
  const FlowAddr from = FlowAddr::FromV6(V6("2001:db8:64::7"), 443);
  const FlowAddr to = FlowAddr::FromV6(V6("2001:db8:64::1"), 50000);
  Result<size_t> n = WriteTcpReset(b, from, to, 1);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 60u);
  std::span<const uint8_t> p(b.data(), *n);
  EXPECT_EQ(p[0] >> 4, 6);
  EXPECT_EQ(Be16(p, 4), 20) << "payload length";
  EXPECT_EQ(p[6], 6);
  EXPECT_TRUE(L4Verifies(p, 6));
  std::optional<ParsedFlow> f = ParseFlow(p);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->key.src.ToString(), "[2001:db8:64::7]:443");
  EXPECT_EQ(f->key.dst.ToString(), "[2001:db8:64::1]:50000");
  EXPECT_EQ(Be32(p, 48), 1u) << "ack";

  EXPECT_FALSE(
      WriteTcpReset(b, from, FlowAddr::FromV4(V4("198.18.64.1"), 1), 1));
  std::array<uint8_t, 39> small{};
  EXPECT_FALSE(WriteTcpReset(small, FlowAddr::FromV4(V4("198.18.64.7"), 1),
                             FlowAddr::FromV4(V4("198.18.64.1"), 2), 1));
}

TEST(WriteUdpHeaders, BothFamiliesCarryThePayloadWithChecksums) {
  for (bool v6 : {false, true}) {
    const FlowAddr from = v6 ? FlowAddr::FromV6(V6("2001:db8:64::9"), 5353)
                             : FlowAddr::FromV4(V4("198.18.64.9"), 5353);
    const FlowAddr to = v6 ? FlowAddr::FromV6(V6("2001:db8:64::1"), 40001)
                           : FlowAddr::FromV4(V4("198.18.64.1"), 40001);
    const std::vector<uint8_t> payload = testing::Pattern(333, 5);
    std::vector<uint8_t> p(UdpHeadersSize(v6) + payload.size());
    std::copy(payload.begin(), payload.end(), p.begin() + UdpHeadersSize(v6));
    ASSERT_TRUE(WriteUdpHeaders(p, from, to));
    if (!v6) {
      EXPECT_EQ(Sum(std::span(p).first(20)), 0xffff);
    }
    EXPECT_TRUE(L4Verifies(p, 17)) << (v6 ? "IPv6" : "IPv4");
    std::optional<ParsedFlow> f = ParseFlow(p);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->key.src, from);
    EXPECT_EQ(f->key.dst, to);
    std::optional<std::span<const uint8_t>> got = UdpPayload(p, *f);
    ASSERT_TRUE(got);
    EXPECT_TRUE(
        std::equal(got->begin(), got->end(), payload.begin(), payload.end()));
  }
  std::vector<uint8_t> p(28);
  EXPECT_FALSE(WriteUdpHeaders(p, FlowAddr::FromV4(V4("198.18.64.9"), 1),
                               FlowAddr::FromV6(V6("2001:db8::1"), 1)));
}

TEST(UdpPayload, BadChecksumsAndFragmentsAreRefused) {
  std::vector<uint8_t> p =
      testing::Ipv4Udp("198.18.64.1", "198.18.64.9", 1, 53, 20);
  std::optional<ParsedFlow> f = ParseFlow(p);
  ASSERT_TRUE(f);
  EXPECT_TRUE(UdpPayload(p, *f));
  p.back() ^= 1;
  EXPECT_FALSE(UdpPayload(p, *f)) << "corrupted payload";
  // IPv4 without a checksum is accepted; IPv6 without one is not.
  p[26] = p[27] = 0;
  EXPECT_TRUE(UdpPayload(p, *f));
  std::vector<uint8_t> q =
      testing::Ipv6Udp("2001:db8:64::1", "2001:db8:64::9", 1, 53, 20);
  std::optional<ParsedFlow> g = ParseFlow(q);
  ASSERT_TRUE(g);
  EXPECT_TRUE(UdpPayload(q, *g));
  q[46] = q[47] = 0;
  EXPECT_FALSE(UdpPayload(q, *g));

  std::vector<uint8_t> frag =
      testing::Ipv4Udp("198.18.64.1", "198.18.64.9", 1, 53, 20);
  frag[6] = 0x20;  // More fragments.
  EXPECT_TRUE(IsUdpFragment(frag));
  EXPECT_FALSE(
      IsUdpFragment(testing::Ipv4Udp("198.18.64.1", "198.18.64.9", 1, 53, 20)));
  std::vector<uint8_t> frag6 =
      testing::Ipv6Udp("2001:db8:64::1", "2001:db8:64::9", 1, 53, 20);
  frag6[6] = 44;
  EXPECT_TRUE(IsUdpFragment(frag6));
}

// Echo4 builds an ICMPv4 echo request with ident 0x1234, seq 7 and `data`.
std::vector<uint8_t> Echo4(const char* src, const char* dst,
                           std::span<const uint8_t> data) {
  std::vector<uint8_t> b(28 + data.size());
  header::MutableIpv4 ip(b);
  ip.SetVersion(4);
  ip.SetHeaderLength(20);
  ip.SetTotalLength(static_cast<uint16_t>(b.size()));
  ip.SetTtl(3);
  ip.SetProtocol(1);
  ip.SetSrc(V4(src));
  ip.SetDst(V4(dst));
  ip.UpdateChecksum();
  b[20] = 8;
  b[24] = 0x12;
  b[25] = 0x34;
  b[27] = 7;
  std::copy(data.begin(), data.end(), b.begin() + 28);
  const uint16_t c = header::Icmpv4Checksum(std::span(b).subspan(20));
  b[22] = static_cast<uint8_t>(c >> 8);
  b[23] = static_cast<uint8_t>(c);
  return b;
}

TEST(TurnEchoIntoReply, Ipv4ReplyComesFromThePingedAddress) {
  const std::vector<uint8_t> data = testing::Pattern(56, 1);
  std::vector<uint8_t> b = Echo4("198.18.64.1", "198.18.99.99", data);
  ASSERT_EQ(TurnEchoIntoReply(b), EchoVerdict::kReplied);
  header::Ipv4 ip(b);
  EXPECT_EQ(ip.src().ToString(), "198.18.99.99");
  EXPECT_EQ(ip.dst().ToString(), "198.18.64.1");
  EXPECT_EQ(ip.ttl(), 64);
  EXPECT_EQ(Sum(std::span(b).first(20)), 0xffff);
  EXPECT_EQ(b[20], 0) << "echo reply";
  EXPECT_EQ(Be16(b, 24), 0x1234);
  EXPECT_EQ(Be16(b, 26), 7);
  EXPECT_EQ(Sum(std::span(b).subspan(20)), 0xffff) << "ICMP checksum";
  EXPECT_TRUE(std::equal(data.begin(), data.end(), b.begin() + 28));
  // A reply is not a request; a corrupted request is bad; UDP is not ICMP.
  EXPECT_EQ(TurnEchoIntoReply(b), EchoVerdict::kNotEcho);
  std::vector<uint8_t> bad = Echo4("198.18.64.1", "198.18.99.99", data);
  bad.back() ^= 0xff;
  EXPECT_EQ(TurnEchoIntoReply(bad), EchoVerdict::kBad);
  std::vector<uint8_t> udp =
      testing::Ipv4Udp("198.18.64.1", "198.18.64.9", 1, 2, 3);
  EXPECT_EQ(TurnEchoIntoReply(udp), EchoVerdict::kNotEcho);
}

TEST(TurnEchoIntoReply, Ipv6ReplyHasAFreshPseudoHeaderChecksum) {
  std::vector<uint8_t> b(40 + 8 + 16);
  header::MutableIpv6 ip(b);
  ip.SetVersion(6);
  ip.SetPayloadLength(24);
  ip.SetNextHeader(58);
  ip.SetHopLimit(1);
  ip.SetSrc(V6("2001:db8:64::1"));
  ip.SetDst(V6("2001:db8:77::5"));
  b[40] = 128;
  b[44] = 0xab;
  b[47] = 9;
  for (size_t i = 48; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i);
  const uint16_t c =
      header::Icmpv6Checksum(ip.src(), ip.dst(), std::span(b).subspan(40));
  b[42] = static_cast<uint8_t>(c >> 8);
  b[43] = static_cast<uint8_t>(c);
  ASSERT_EQ(TurnEchoIntoReply(b), EchoVerdict::kReplied);
  header::Ipv6 reply(b);
  EXPECT_EQ(reply.src().ToString(), "2001:db8:77::5");
  EXPECT_EQ(reply.dst().ToString(), "2001:db8:64::1");
  EXPECT_EQ(reply.hop_limit(), 64);
  EXPECT_EQ(b[40], 129);
  EXPECT_EQ(b[44], 0xab);
  EXPECT_EQ(b[47], 9);
  EXPECT_TRUE(L4Verifies(b, 58)) << "ICMPv6 checksum";
}

}  // namespace
}  // namespace fdlink::lwip
