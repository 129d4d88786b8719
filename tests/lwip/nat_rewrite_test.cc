// ParseFlow and RewriteFlow: byte-exact rewrites whose incrementally
// updated checksums equal checksums computed from scratch.
#include "fdlink/lwip/nat_rewrite.h"

#include <gtest/gtest.h>

#include <vector>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"
#include "lwip/lwip_test_packets.h"

namespace fdlink::lwip {
namespace {

std::vector<uint8_t> Udp6Packet(const char* src, uint16_t sport,
                                const char* dst, uint16_t dport,
                                size_t payload) {
  std::vector<uint8_t> b(40 + 8 + payload);
  for (size_t i = 48; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 13);
  header::MutableIpv6 ip(b);
  ip.SetVersion(6);
  ip.SetPayloadLength(static_cast<uint16_t>(8 + payload));
  ip.SetNextHeader(17);
  ip.SetHopLimit(64);
  ip.SetSrc(V6(src));
  ip.SetDst(V6(dst));
  header::MutableUdp u(std::span<uint8_t>(b).subspan(40));
  u.SetSrcPort(sport);
  u.SetDstPort(dport);
  u.SetLength(static_cast<uint16_t>(8 + payload));
  u.SetChecksum(
      header::UdpChecksum(V6(src), V6(dst), std::span(b).subspan(40)));
  return b;
}

TEST(NatRewrite, ParsesTcp4) {
  const std::vector<uint8_t> p =
      Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 8080, 0x02, 0);
  std::optional<ParsedFlow> f = ParseFlow(p);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->key.proto, 6);
  EXPECT_EQ(f->key.src.ToString(), "198.18.64.1:40000");
  EXPECT_EQ(f->key.dst.ToString(), "198.18.64.7:8080");
  EXPECT_EQ(f->tcp_flags, 0x02);
  EXPECT_EQ(f->l4_offset, 20u);
}

TEST(NatRewrite, RefusesWhatItCannotTranslate) {
  std::vector<uint8_t> p =
      Tcp4Packet("198.18.64.1", 1, "198.18.64.7", 2, 0x02, 10);
  std::vector<uint8_t> truncated(p.begin(), p.begin() + 30);
  EXPECT_FALSE(ParseFlow(truncated));
  std::vector<uint8_t> frag = p;
  header::MutableIpv4(frag).SetMoreFragments(true);
  EXPECT_FALSE(ParseFlow(frag));
  std::vector<uint8_t> icmp = p;
  header::MutableIpv4(icmp).SetProtocol(1);
  EXPECT_FALSE(ParseFlow(icmp));
  std::vector<uint8_t> ext = Udp6Packet("2001:db8::1", 1, "2001:db8::2", 2, 4);
  header::MutableIpv6(ext).SetNextHeader(0);  // Hop-by-hop first.
  EXPECT_FALSE(ParseFlow(ext));
  EXPECT_FALSE(ParseFlow({}));
}

TEST(NatRewrite, Tcp4RewriteIsExact) {
  for (size_t payload : {0, 1, 17, 1000}) {
    std::vector<uint8_t> p =
        Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 8080, 0x18, payload);
    std::optional<ParsedFlow> f = ParseFlow(p);
    ASSERT_TRUE(f);
    const FlowAddr src = FlowAddr::FromV4(V4("198.19.1.3"), 1024);
    const FlowAddr dst = FlowAddr::FromV4(V4("198.19.0.1"), 7000);
    RewriteFlow(p, *f, src, dst);
    // The same packet built from scratch with the new addresses.
    const std::vector<uint8_t> want =
        Tcp4Packet("198.19.1.3", 1024, "198.19.0.1", 7000, 0x18, payload);
    EXPECT_EQ(p, want) << "payload " << payload;
    header::Ipv4 ip(p);
    EXPECT_TRUE(ip.IsChecksumValid());
    EXPECT_TRUE(header::VerifyTcpChecksum(ip.src(), ip.dst(), ip.payload()));
    // And back.
    std::optional<ParsedFlow> g = ParseFlow(p);
    ASSERT_TRUE(g);
    RewriteFlow(p, *g, FlowAddr::FromV4(V4("198.18.64.1"), 40000),
                FlowAddr::FromV4(V4("198.18.64.7"), 8080));
    EXPECT_EQ(p, Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 8080, 0x18,
                            payload));
  }
}

TEST(NatRewrite, Udp6RewriteIsExact) {
  for (size_t payload : {0, 3, 64, 1400}) {
    std::vector<uint8_t> p =
        Udp6Packet("2001:db8:64::1", 5353, "2001:db8:64::7", 53, payload);
    std::optional<ParsedFlow> f = ParseFlow(p);
    ASSERT_TRUE(f);
    RewriteFlow(p, *f, FlowAddr::FromV6(V6("2001:db8:ff::1:9"), 1500),
                FlowAddr::FromV6(V6("2001:db8:ff::1"), 7000));
    EXPECT_EQ(p, Udp6Packet("2001:db8:ff::1:9", 1500, "2001:db8:ff::1", 7000,
                            payload))
        << "payload " << payload;
    header::Ipv6 ip(p);
    EXPECT_TRUE(header::VerifyUdpChecksum(ip.src(), ip.dst(), ip.payload()));
  }
}

TEST(NatRewrite, Ipv4UdpWithoutChecksumKeepsNone) {
  std::vector<uint8_t> p(28 + 4);
  header::MutableIpv4 ip(p);
  ip.SetVersion(4);
  ip.SetHeaderLength(20);
  ip.SetTotalLength(32);
  ip.SetTtl(64);
  ip.SetProtocol(17);
  ip.SetSrc(V4("198.18.0.1"));
  ip.SetDst(V4("198.18.0.2"));
  ip.UpdateChecksum();
  header::MutableUdp u(std::span<uint8_t>(p).subspan(20));
  u.SetSrcPort(1);
  u.SetDstPort(2);
  u.SetLength(12);
  std::optional<ParsedFlow> f = ParseFlow(p);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->udp_no_checksum);
  RewriteFlow(p, *f, FlowAddr::FromV4(V4("198.19.1.1"), 3),
              FlowAddr::FromV4(V4("198.19.0.1"), 4));
  EXPECT_EQ(header::Udp(std::span<const uint8_t>(p).subspan(20)).checksum(), 0);
  EXPECT_TRUE(header::Ipv4(p).IsChecksumValid());
}

// Many random-ish addresses and ports: the incremental update always
// equals a checksum computed from scratch (RFC 1624's eqn. 3 has no
// 0x0000/0xffff ambiguity here since the headers are never all zero).
TEST(NatRewrite, IncrementalEqualsFromScratchOverManyRewrites) {
  uint32_t x = 12345;
  auto next = [&] { return x = x * 1103515245u + 12345u; };
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> p =
        Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 8080, 0x10, i % 50);
    std::optional<ParsedFlow> f = ParseFlow(p);
    ASSERT_TRUE(f);
    const uint32_t a = next(), b = next();
    FlowAddr src = FlowAddr::FromV4(
        header::Ipv4Address({198, 19, uint8_t(a >> 8), uint8_t(a)}),
        uint16_t(a >> 16));
    FlowAddr dst = FlowAddr::FromV4(
        header::Ipv4Address({198, 18, uint8_t(b >> 8), uint8_t(b)}),
        uint16_t(b >> 16));
    RewriteFlow(p, *f, src, dst);
    header::Ipv4 ip(p);
    ASSERT_EQ(ip.checksum(), ip.CalculateChecksum());
    header::Tcp t(ip.payload());
    const uint16_t want = header::TcpChecksum(ip.src(), ip.dst(), ip.payload());
    ASSERT_TRUE(t.checksum() == want || (t.checksum() == 0 && want == 0xffff) ||
                (t.checksum() == 0xffff && want == 0))
        << i;
    ASSERT_TRUE(header::VerifyTcpChecksum(ip.src(), ip.dst(), ip.payload()));
  }
}

}  // namespace
}  // namespace fdlink::lwip
