#include "fdlink/offload/gso_split.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"
#include "testing/packets.h"
#include "testing/super_packets.h"

namespace fdlink::offload {
namespace {

using testing::BuildSuperPacket;
using testing::SuperPacket;
using testing::SuperPacketSpec;
using testing::WireChecksumsValid;
namespace tcp_flag = header::tcp_flag;

PacketBufferPtr ToPacket(const SuperPacket& sp, size_t link = 0) {
  std::vector<uint8_t> bytes(link, 0xee);
  bytes.insert(bytes.end(), sp.bytes.begin(), sp.bytes.end());
  PacketBufferPtr p = PacketBuffer::Create({.payload = bytes});
  if (link > 0) p->ConsumeLinkHeader(link);
  p->set_gso_options(sp.gso);
  p->set_network_protocol(sp.gso.type == GSOType::kTCPv6 ? 0x86dd : 0x0800);
  p->set_hash(42);
  return p;
}

struct Case {
  const char* name;
  bool ipv6;
  bool tcp;
};

class SplitTest : public ::testing::TestWithParam<Case> {
 protected:
  SuperPacketSpec Spec() const {
    SuperPacketSpec s;
    s.ipv6 = GetParam().ipv6;
    s.tcp = GetParam().tcp;
    return s;
  }
};

// Every segment is a valid wire packet and the payloads put back together
// are the super-packet's payload, byte for byte.
TEST_P(SplitTest, SegmentsAreByteExactWithValidChecksums) {
  SuperPacketSpec s = Spec();
  s.payload = 3500;  // 3 full segments and a 500-byte tail.
  s.tcp_flags =
      tcp_flag::kAck | tcp_flag::kPsh | tcp_flag::kFin | tcp_flag::kCwr;
  s.tcp_options = s.tcp ? 12 : 0;
  SuperPacket sp = BuildSuperPacket(s);
  PacketBufferPtr pkt = ToPacket(sp);
  EXPECT_EQ(SegmentCount(*pkt), 4u);
  std::vector<PacketBufferPtr> out;
  Result<size_t> n = SplitSuperPacket(*pkt, 32, out);
  ASSERT_TRUE(n) << n.error().what;
  ASSERT_EQ(*n, 4u);
  ASSERT_EQ(out.size(), 4u);
  const size_t l3 = sp.gso.l3_header_len, l4 = sp.gso.l4_header_len;
  std::vector<uint8_t> joined;
  for (size_t i = 0; i < out.size(); ++i) {
    SCOPED_TRACE(i);
    PacketBuffer& seg = *out[i];
    EXPECT_EQ(seg.AvailableHeaderBytes(), 32u);
    EXPECT_EQ(seg.gso_options().type, GSOType::kNone);
    EXPECT_EQ(seg.hash(), 42u);
    EXPECT_EQ(seg.network_protocol(), pkt->network_protocol());
    std::span<uint8_t> net = seg.NetworkPacket();
    const size_t want_payload = i < 3 ? 1000 : 500;
    ASSERT_EQ(net.size(), l3 + l4 + want_payload);
    EXPECT_TRUE(WireChecksumsValid(net));
    // Headers other than the rewritten fields are the super-packet's.
    if (s.ipv6) {
      header::Ipv6 ip(net);
      EXPECT_EQ(ip.payload_length(), l4 + want_payload);
    } else {
      header::Ipv4 ip(net);
      EXPECT_EQ(ip.total_length(), l3 + l4 + want_payload);
      EXPECT_EQ(ip.id(), s.ip_id + i);
      EXPECT_TRUE(ip.dont_fragment());
    }
    std::span<uint8_t> l4b = net.subspan(l3);
    if (s.tcp) {
      header::Tcp t(l4b);
      EXPECT_EQ(t.seq(), s.seq + i * s.mss);
      EXPECT_EQ(t.data_offset(), l4);
      const uint8_t f = t.flags();
      EXPECT_TRUE(f & tcp_flag::kAck);
      EXPECT_EQ((f & tcp_flag::kFin) != 0, i == 3);
      EXPECT_EQ((f & tcp_flag::kPsh) != 0, i == 3);
      EXPECT_EQ((f & tcp_flag::kCwr) != 0, i == 0);
      EXPECT_TRUE(std::equal(t.options().begin(), t.options().end(),
                             sp.bytes.begin() + l3 + 20));
    } else {
      header::Udp u(l4b);
      EXPECT_EQ(u.length(), 8 + want_payload);
      EXPECT_EQ(u.src_port(), s.sport);
      EXPECT_EQ(u.dst_port(), s.dport);
    }
    joined.insert(joined.end(), net.begin() + l3 + l4, net.end());
  }
  EXPECT_EQ(joined,
            std::vector<uint8_t>(sp.bytes.begin() + l3 + l4, sp.bytes.end()));
  // The super-packet itself is untouched.
  EXPECT_EQ(pkt->ToBytes(), sp.bytes);
}

// A payload that fits one segment still comes out as one wire packet with
// its partial checksum completed.
TEST_P(SplitTest, OneSegmentGetsFullChecksum) {
  SuperPacketSpec s = Spec();
  s.payload = 700;
  SuperPacket sp = BuildSuperPacket(s);
  PacketBufferPtr pkt = ToPacket(sp);
  EXPECT_FALSE(WireChecksumsValid(sp.bytes));
  EXPECT_EQ(SegmentCount(*pkt), 1u);
  std::vector<PacketBufferPtr> out;
  ASSERT_TRUE(SplitSuperPacket(*pkt, 0, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].get(), pkt.get());
  EXPECT_TRUE(WireChecksumsValid(out[0]->NetworkPacket()));
  EXPECT_EQ(out[0]->NetworkPacket().size(), sp.bytes.size());
}

// A super-packet spread over several views (headers, then payload pieces
// of odd sizes), as a stack builds one, splits the same as a contiguous one.
TEST_P(SplitTest, ScatteredPacketSplitsLikeContiguous) {
  SuperPacketSpec s = Spec();
  s.payload = 2999;
  SuperPacket sp = BuildSuperPacket(s);
  const size_t hdr = sp.gso.l3_header_len + sp.gso.l4_header_len;
  PacketBufferPtr pkt = PacketBuffer::Create(
      {.payload = std::span<const uint8_t>(sp.bytes).first(hdr)});
  size_t off = hdr;
  for (size_t piece : {333u, 1u, 1200u, 1465u}) {
    pkt->AppendView(
        View::CopyOf(std::span<const uint8_t>(sp.bytes).subspan(off, piece)));
    off += piece;
  }
  ASSERT_EQ(off, sp.bytes.size());
  pkt->set_gso_options(sp.gso);
  PacketBufferPtr flat = ToPacket(sp);
  std::vector<PacketBufferPtr> a, b;
  ASSERT_TRUE(SplitSuperPacket(*pkt, 0, a));
  ASSERT_TRUE(SplitSuperPacket(*flat, 0, b));
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i]->ToBytes(), b[i]->ToBytes());
}

// A consumed link header is copied in front of every segment and marked.
TEST_P(SplitTest, LinkHeaderIsCopied) {
  SuperPacket sp = BuildSuperPacket(Spec());
  PacketBufferPtr pkt = ToPacket(sp, 14);
  std::vector<PacketBufferPtr> out;
  ASSERT_TRUE(SplitSuperPacket(*pkt, 8, out));
  ASSERT_EQ(out.size(), 4u);
  for (PacketBufferPtr& seg : out) {
    EXPECT_EQ(seg->LinkHeaderSize(), 14u);
    EXPECT_EQ(seg->LinkHeader()[0], 0xee);
    EXPECT_TRUE(WireChecksumsValid(seg->NetworkPacket()));
  }
}

TEST_P(SplitTest, TooManySegmentsRefusedWhole) {
  SuperPacketSpec s = Spec();
  s.mss = 100;
  s.payload = 100 * kMaxSegments + 1;
  PacketBufferPtr pkt = ToPacket(BuildSuperPacket(s));
  EXPECT_EQ(SegmentCount(*pkt), kMaxSegments + 1);
  std::vector<PacketBufferPtr> out;
  Result<size_t> n = SplitSuperPacket(*pkt, 0, out);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, Errc::kMessageTooLong);
  EXPECT_TRUE(out.empty());
  s.payload = 100 * kMaxSegments;  // Exactly the cap is fine.
  PacketBufferPtr ok = ToPacket(BuildSuperPacket(s));
  ASSERT_TRUE(SplitSuperPacket(*ok, 0, out));
  EXPECT_EQ(out.size(), kMaxSegments);
}

INSTANTIATE_TEST_SUITE_P(
    Types, SplitTest,
    ::testing::Values(Case{"TcpV4", false, true}, Case{"TcpV6", true, true},
                      Case{"UdpV4", false, false}, Case{"UdpV6", true, false}),
    [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

TEST(SplitSuperPacket, PlainPacketIsOneMoreReference) {
  std::vector<uint8_t> b =
      testing::Ipv4Udp("198.18.0.1", "198.19.0.2", 1, 2, 3000);
  PacketBufferPtr pkt = PacketBuffer::Create({.payload = b});
  EXPECT_EQ(SegmentCount(*pkt), 1u);
  std::vector<PacketBufferPtr> out;
  Result<size_t> n = SplitSuperPacket(*pkt, 0, out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].get(), pkt.get());
  EXPECT_EQ(pkt->RefCount(), 2);
}

// Each way metadata can disagree with the headers is refused, and nothing
// is appended.
TEST(SplitSuperPacket, MalformedMetadataRefused) {
  struct Bad {
    const char* what;
    SuperPacketSpec spec;
    void (*mutate)(SuperPacket&);
  };
  SuperPacketSpec v4tcp, v6tcp, v4udp;
  v6tcp.ipv6 = true;
  v4udp.tcp = false;
  const Bad cases[] = {
      {"mss 0", v4tcp, [](SuperPacket& p) { p.gso.mss = 0; }},
      {"TCPv6 on IPv4", v4tcp,
       [](SuperPacket& p) { p.gso.type = GSOType::kTCPv6; }},
      {"TCPv4 on IPv6", v6tcp,
       [](SuperPacket& p) { p.gso.type = GSOType::kTCPv4; }},
      {"UDP type on TCP", v4tcp,
       [](SuperPacket& p) {
         p.gso.type = GSOType::kUDPL4;
         p.gso.l4_header_len = 8;
       }},
      {"TCP type on UDP", v4udp,
       [](SuperPacket& p) {
         p.gso.type = GSOType::kTCPv4;
         p.gso.l4_header_len = 20;
       }},
      {"l3 too long", v4tcp, [](SuperPacket& p) { p.gso.l3_header_len = 24; }},
      {"l3 too short", v6tcp, [](SuperPacket& p) { p.gso.l3_header_len = 20; }},
      {"l4 not data offset", v4tcp,
       [](SuperPacket& p) { p.gso.l4_header_len = 32; }},
      {"udp l4 not 8", v4udp, [](SuperPacket& p) { p.gso.l4_header_len = 20; }},
      {"headers past the end", v4tcp,
       [](SuperPacket& p) { p.bytes.resize(30); }},
      {"IPv4 total length short", v4tcp,
       [](SuperPacket& p) {
         header::MutableIpv4(std::span<uint8_t>(p.bytes)).SetTotalLength(1000);
       }},
      {"IPv6 payload length short", v6tcp,
       [](SuperPacket& p) {
         header::MutableIpv6(std::span<uint8_t>(p.bytes)).SetPayloadLength(9);
       }},
      {"IPv4 fragment", v4tcp,
       [](SuperPacket& p) {
         header::MutableIpv4(std::span<uint8_t>(p.bytes))
             .SetMoreFragments(true);
       }},
      {"not IP", v4tcp, [](SuperPacket& p) { p.bytes[0] = 0x55; }},
      {"csum_offset wrong", v4tcp,
       [](SuperPacket& p) { p.gso.csum_offset = 6; }},
      {"mss past 64K", v4tcp, [](SuperPacket& p) { p.gso.mss = 65530; }},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.what);
    SuperPacket sp = BuildSuperPacket(c.spec);
    c.mutate(sp);
    PacketBufferPtr pkt = ToPacket(sp);
    std::vector<PacketBufferPtr> out;
    Result<size_t> n = SplitSuperPacket(*pkt, 0, out);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, Errc::kMalformed);
    EXPECT_TRUE(out.empty());
  }
}

TEST(CompletePartialChecksum, CompletesTcpAndUdp) {
  for (bool tcp : {true, false}) {
    for (bool v6 : {false, true}) {
      SuperPacketSpec s;
      s.tcp = tcp;
      s.ipv6 = v6;
      s.payload = 777;  // Odd length: the last word is padded.
      SuperPacket sp = BuildSuperPacket(s);
      SuperPacketSpec full = s;
      full.partial = false;
      const std::vector<uint8_t> want = BuildSuperPacket(full).bytes;
      ASSERT_FALSE(WireChecksumsValid(sp.bytes));
      ASSERT_TRUE(CompletePartialChecksum(sp.bytes, sp.gso.l3_header_len,
                                          sp.gso.csum_offset));
      EXPECT_TRUE(WireChecksumsValid(sp.bytes));
      EXPECT_EQ(sp.bytes, want);
    }
  }
}

TEST(CompletePartialChecksum, OutOfBoundsRefused) {
  std::vector<uint8_t> b(40);
  EXPECT_FALSE(CompletePartialChecksum(b, 20, 19));
  EXPECT_FALSE(CompletePartialChecksum(b, 41, 0));
  EXPECT_FALSE(CompletePartialChecksum(b, 0xffff, 0xffff));
  EXPECT_TRUE(CompletePartialChecksum(b, 20, 18));
}

}  // namespace
}  // namespace fdlink::offload
