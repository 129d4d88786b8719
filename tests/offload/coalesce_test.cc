// Coalescer: which packets merge (the kernel's rules), the order groups come
// out in, and that every byte of every flow comes out exactly once, in
// order (each built super-packet split back by hand equals its inputs).
#include "fdlink/offload/coalesce.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/tcp.h"
#include "testing/flow_packets.h"
#include "testing/packets.h"

namespace fdlink::offload {
namespace {

using Bytes = std::vector<uint8_t>;
using testing::BuildSegment;
using testing::SegmentSpec;
namespace tcp_flag = header::tcp_flag;

// Outcome is one planned and built batch.
struct Outcome {
  std::vector<std::vector<uint32_t>> groups;  // Member indexes per group.
  std::vector<CoalesceGroup> meta;
  std::vector<PacketBufferPtr> built;
};

Outcome PlanAndBuild(Coalescer& c, const std::vector<Bytes>& in,
                     size_t headroom = 0) {
  std::vector<PacketBufferPtr> pkts;
  for (const Bytes& b : in) pkts.push_back(testing::ToPacket(b));
  Outcome o;
  for (const CoalesceGroup& g : c.Plan(pkts)) {
    std::span<const uint32_t> m = c.Members(g);
    o.groups.emplace_back(m.begin(), m.end());
    o.meta.push_back(g);
    Result<PacketBufferPtr> p = BuildMerged(pkts, c, g, headroom);
    EXPECT_TRUE(p.has_value());
    if (p) o.built.push_back(std::move(*p));
  }
  return o;
}

Outcome PlanAndBuild(const std::vector<Bytes>& in, CoalesceConfig cfg = {}) {
  Coalescer c(cfg);
  return PlanAndBuild(c, in);
}

// FlowOf names a packet's flow by its addresses and ports.
std::string FlowOf(const Bytes& b) {
  if ((b[0] >> 4) == 4) {
    const size_t ihl = size_t{b[0] & 0x0fu} * 4;
    return std::string(b.begin() + 12, b.begin() + 20) +
           std::string(b.begin() + ihl, b.begin() + ihl + 4);
  }
  return std::string(b.begin() + 8, b.begin() + 44);
}

// WireOut splits every built packet back into wire packets, in emission
// order; a super-packet that does not split cleanly fails the test.
std::vector<Bytes> WireOut(const Outcome& o) {
  std::vector<Bytes> out;
  for (const PacketBufferPtr& p : o.built) {
    Bytes b = p->ToBytes();
    b.erase(b.begin(), b.begin() + static_cast<long>(p->LinkHeaderSize()));
    if (p->gso_options().type == GSOType::kNone) {
      out.push_back(std::move(b));
      continue;
    }
    std::vector<Bytes> parts = testing::SplitByHand(b, p->gso_options());
    EXPECT_FALSE(parts.empty()) << "super-packet does not split";
    for (Bytes& s : parts) out.push_back(std::move(s));
  }
  return out;
}

// ExpectEveryByteOnceInFlowOrder checks that the split output holds
// exactly the input packets, each flow's in its input order.
void ExpectEveryByteOnceInFlowOrder(const std::vector<Bytes>& in,
                                    const Outcome& o) {
  std::map<std::string, std::vector<Bytes>> want, got;
  for (const Bytes& b : in) want[FlowOf(b)].push_back(b);
  for (Bytes& b : WireOut(o)) got[FlowOf(b)].push_back(std::move(b));
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [flow, pkts] : want) {
    ASSERT_EQ(got[flow].size(), pkts.size());
    for (size_t i = 0; i < pkts.size(); ++i) {
      EXPECT_EQ(got[flow][i], pkts[i]) << "flow packet " << i;
    }
  }
  size_t members = 0;
  for (const auto& g : o.groups) members += g.size();
  EXPECT_EQ(members, in.size());
}

// Flow builds consecutive segments of one flow: Next(n) is the next n
// stream bytes; ip ids count packets, as a kernel sender's do.
struct Flow {
  SegmentSpec spec;
  uint32_t flow_id = 0;
  uint32_t offset = 0;
  uint16_t packets = 0;

  Bytes Next(size_t n, uint8_t flags = tcp_flag::kAck) {
    SegmentSpec s = spec;
    s.seq = spec.seq + offset;
    s.flags = flags;
    s.ip_id = packets++;
    s.payload = testing::StreamBytes(flow_id, offset, n);
    offset += static_cast<uint32_t>(n);
    return BuildSegment(s);
  }
  // At builds a segment at stream offset `at` (retransmission, reordering).
  Bytes At(uint32_t at, size_t n, uint8_t flags = tcp_flag::kAck) {
    SegmentSpec s = spec;
    s.seq = spec.seq + at;
    s.flags = flags;
    s.ip_id = packets++;
    s.payload = testing::StreamBytes(flow_id, at, n);
    return BuildSegment(s);
  }
};

Flow TcpFlow(uint32_t id, int version = 4) {
  Flow f;
  f.flow_id = id;
  f.spec.version = version;
  f.spec.sport = static_cast<uint16_t>(40000 + id);
  return f;
}
Flow UdpFlow(uint32_t id, int version = 4) {
  Flow f = TcpFlow(id, version);
  f.spec.udp = true;
  return f;
}

using Groups = std::vector<std::vector<uint32_t>>;

TEST(CoalescerTest, InOrderRunBecomesOneSuperPacket) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in;
  for (int i = 0; i < 10; ++i) in.push_back(a.Next(1000));
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}));
  ASSERT_EQ(o.meta.size(), 1u);
  EXPECT_EQ(o.meta[0].type, GSOType::kTCPv4);
  EXPECT_EQ(o.meta[0].gso_size, 1000);
  EXPECT_EQ(o.meta[0].payload_bytes, 10000u);
  const GSOOptions& gso = o.built[0]->gso_options();
  EXPECT_EQ(gso.type, GSOType::kTCPv4);
  EXPECT_TRUE(gso.needs_csum);
  EXPECT_EQ(gso.mss, 1000);
  EXPECT_EQ(gso.l3_header_len, 20);
  EXPECT_EQ(gso.l4_header_len, 20);
  EXPECT_EQ(gso.csum_offset, 16);
  EXPECT_EQ(o.built[0]->Size(), 40u + 10000u);
  // The payload is shared, not copied: one view of headers, one per member.
  EXPECT_EQ(o.built[0]->SliceCount(), 11u);
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, InterleavedFlowsEachKeepTheirOrder) {
  Flow a = TcpFlow(1), b = TcpFlow(2), c = UdpFlow(3);
  std::vector<Bytes> in;
  for (int i = 0; i < 4; ++i) {
    in.push_back(a.Next(1200));
    in.push_back(b.Next(800));
    in.push_back(c.Next(500));
  }
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 3, 6, 9}, {1, 4, 7, 10}, {2, 5, 8, 11}}));
  EXPECT_EQ(o.meta[2].type, GSOType::kUDPL4);
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, OutOfOrderSegmentsStartNewGroups) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.At(0, 1000), a.At(1000, 1000), a.At(3000, 1000),
                           a.At(4000, 1000), a.At(2000, 1000)};
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1}, {2, 3}, {4}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, RetransmittedSegmentIsNotMergedBehindItsOriginal) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.At(0, 1000), a.At(1000, 1000), a.At(1000, 1000),
                           a.At(2000, 1000)};
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1}, {2, 3}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, PshEndsTheGroupAndIsKept) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.Next(1000),
                           a.Next(1000, tcp_flag::kAck | tcp_flag::kPsh),
                           a.Next(1000, tcp_flag::kAck | tcp_flag::kPsh),
                           a.Next(1000), a.Next(1000)};
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1}, {2}, {3, 4}}));
  EXPECT_TRUE(o.meta[0].push);
  EXPECT_FALSE(o.meta[2].push);
  Bytes merged = o.built[0]->ToBytes();
  EXPECT_EQ(merged[20 + 13], tcp_flag::kAck | tcp_flag::kPsh);
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, DifferentAckNumbersDoNotMerge) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in;
  in.push_back(a.Next(1000));
  a.spec.ack = 9000;
  in.push_back(a.Next(1000));
  in.push_back(a.Next(1000));
  a.spec.ack = 77;  // Back to the first ACK: still not behind the first.
  in.push_back(a.Next(1000));
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0}, {1, 2}, {3}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, OnlyAckAndAckPshMerge) {
  for (uint8_t flags : {uint8_t{tcp_flag::kAck | tcp_flag::kFin},
                        uint8_t{tcp_flag::kAck | tcp_flag::kUrg},
                        uint8_t{tcp_flag::kAck | tcp_flag::kRst},
                        uint8_t{tcp_flag::kAck | tcp_flag::kEce},
                        uint8_t{tcp_flag::kAck | tcp_flag::kCwr},
                        uint8_t{tcp_flag::kSyn}, uint8_t{0}}) {
    Flow a = TcpFlow(1);
    std::vector<Bytes> in = {a.Next(1000), a.Next(1000, flags), a.Next(1000),
                             a.Next(1000)};
    Outcome o = PlanAndBuild(in);
    EXPECT_EQ(o.groups, (Groups{{0}, {1}, {2, 3}})) << int{flags};
    ExpectEveryByteOnceInFlowOrder(in, o);
  }
}

TEST(CoalescerTest, PureAckClosesTheGroupItFollows) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.Next(1000), a.Next(0), a.Next(1000)};
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0}, {1}, {2}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, IpOptionsAndFragmentsStayAlone) {
  Flow a = TcpFlow(1);
  a.spec.ip_options = {1, 1, 1, 0};  // NOP NOP NOP EOL.
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000), a.Next(1000)};
  Flow f = UdpFlow(2);
  f.spec.more_fragments = true;
  in.push_back(f.Next(1000));
  in.push_back(f.Next(1000));
  f.spec.more_fragments = false;
  f.spec.fragment_offset = 1008;
  in.push_back(f.Next(1000));
  in.push_back(f.Next(1000));
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0}, {1}, {2}, {3}, {4}, {5}, {6}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, BadChecksumIsNeverMerged) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000)};
  a.spec.bad_l4_checksum = true;
  in.push_back(a.Next(1000));
  a.spec.bad_l4_checksum = false;
  in.push_back(a.Next(1000));
  in.push_back(a.Next(1000));
  Flow u = UdpFlow(2);
  in.push_back(u.Next(500));
  u.spec.bad_l4_checksum = true;
  in.push_back(u.Next(500));
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1}, {2}, {3, 4}, {5}, {6}}));
  // The bad packet comes out as it came in.
  EXPECT_EQ(o.built[1]->ToBytes(), in[2]);

  // Without verification (the transmit side's own packets) it merges.
  Outcome trusted = PlanAndBuild(in, CoalesceConfig{.verify_checksums = false});
  EXPECT_EQ(trusted.groups, (Groups{{0, 1, 2, 3, 4}, {5, 6}}));
}

TEST(CoalescerTest, ValidatedPacketsAreTakenAsGood) {
  Flow a = TcpFlow(1);
  a.spec.bad_l4_checksum = true;
  std::vector<PacketBufferPtr> pkts;
  for (int i = 0; i < 3; ++i) {
    pkts.push_back(testing::ToPacket(a.Next(700)));
    pkts.back()->set_rx_checksum_validated(true);
  }
  Coalescer c;
  EXPECT_EQ(c.Plan(pkts).size(), 1u);
}

TEST(CoalescerTest, BadIpv4HeaderChecksumIsNeverMerged) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000), a.Next(1000)};
  in[1][10] ^= 0x01;
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0}, {1}, {2}}));
}

TEST(CoalescerTest, SegmentSizesFollowTheGsoSizeRules) {
  Flow a = TcpFlow(1);
  // A short one ends the group; a larger one cannot join.
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000), a.Next(400),
                           a.Next(1000), a.Next(500),  a.Next(600),
                           a.Next(600)};
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1, 2}, {3, 4}, {5, 6}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, IpFieldsMustBeEqual) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.Next(1000)};
  a.spec.ttl = 63;
  in.push_back(a.Next(1000));
  a.spec.tos = 0x10;
  in.push_back(a.Next(1000));
  a.spec.dont_fragment = false;
  in.push_back(a.Next(1000));
  in.push_back(a.Next(1000));
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0}, {1}, {2}, {3, 4}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, TcpOptionsMustBeByteIdentical) {
  Flow a = TcpFlow(1);
  a.spec.tcp_options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};  // Timestamps.
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000)};
  a.spec.tcp_options[7] = 2;  // A newer timestamp.
  in.push_back(a.Next(1000));
  a.spec.tcp_options = {};  // Shorter header.
  in.push_back(a.Next(1000));
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1}, {2}, {3}}));
  EXPECT_EQ(o.built[0]->gso_options().l4_header_len, 32);
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, Ipv6TcpMergesAndChecksItsFields) {
  Flow a = TcpFlow(1, 6);
  std::vector<Bytes> in = {a.Next(1200), a.Next(1200), a.Next(1200)};
  a.spec.ttl = 1;
  in.push_back(a.Next(1200));
  a.spec.ttl = 64;
  a.spec.tos = 0x20;
  in.push_back(a.Next(1200));
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1, 2}, {3}, {4}}));
  EXPECT_EQ(o.built[0]->gso_options().type, GSOType::kTCPv6);
  EXPECT_EQ(o.built[0]->gso_options().l3_header_len, 40);
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, Ipv6ExtensionHeadersStayAlone) {
  std::vector<Bytes> in;
  for (int i = 0; i < 3; ++i) {
    in.push_back(testing::Ipv6Udp("2001:db8::1", "2001:db8::2", 7, 9, 300,
                                  /*extensions=*/true));
  }
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0}, {1}, {2}}));
  Outcome plain =
      PlanAndBuild({testing::Ipv6Udp("2001:db8::1", "2001:db8::2", 7, 9, 300),
                    testing::Ipv6Udp("2001:db8::1", "2001:db8::2", 7, 9, 300)});
  EXPECT_EQ(plain.groups, (Groups{{0, 1}}));
}

TEST(CoalescerTest, UdpMergesEqualSizesAndAShorterLast) {
  Flow u = UdpFlow(1), v = UdpFlow(2, 6);
  std::vector<Bytes> in = {u.Next(1400), v.Next(1000), u.Next(1400),
                           v.Next(1000), u.Next(200),  v.Next(1200),
                           u.Next(1400), u.Next(1400)};
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 2, 4}, {1, 3}, {5}, {6, 7}}));
  EXPECT_EQ(o.meta[0].type, GSOType::kUDPL4);
  EXPECT_EQ(o.meta[1].type, GSOType::kUDPL4);
  const GSOOptions& gso = o.built[0]->gso_options();
  EXPECT_EQ(gso.csum_offset, 6);
  EXPECT_EQ(gso.l4_header_len, 8);
  EXPECT_EQ(gso.mss, 1400);
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, UdpChecksumZeroOverIpv4IsMergeable) {
  Flow u = UdpFlow(1);
  std::vector<Bytes> in = {u.Next(100), u.Next(100)};
  for (Bytes& b : in) b[26] = b[27] = 0;
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0, 1}}));
}

TEST(CoalescerTest, CapsOnSegmentsAndSize) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in;
  for (int i = 0; i < 70; ++i) in.push_back(a.Next(100));
  Outcome o = PlanAndBuild(in);
  ASSERT_EQ(o.groups.size(), 2u);
  EXPECT_EQ(o.groups[0].size(), 64u);
  EXPECT_EQ(o.groups[1].size(), 6u);
  ExpectEveryByteOnceInFlowOrder(in, o);

  Flow b = TcpFlow(2);
  std::vector<Bytes> big;
  for (int i = 0; i < 50; ++i) big.push_back(b.Next(1460));
  Outcome ob = PlanAndBuild(big);
  ASSERT_EQ(ob.groups.size(), 2u);
  EXPECT_EQ(ob.groups[0].size(), (65535u - 40u) / 1460u);  // 44.
  EXPECT_LE(ob.built[0]->Size(), 65535u);
  ExpectEveryByteOnceInFlowOrder(big, ob);

  Outcome capped = PlanAndBuild(
      big, CoalesceConfig{.max_ip_size = 40 + 4 * 1460, .max_segments = 3});
  EXPECT_EQ(capped.groups[0].size(), 3u);
}

TEST(CoalescerTest, AdjacentOnlyMergesRuns) {
  Flow a = TcpFlow(1), b = TcpFlow(2);
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000), b.Next(1000),
                           a.Next(1000), b.Next(1000), b.Next(1000)};
  Outcome o = PlanAndBuild(in, CoalesceConfig{.adjacent_only = true});
  EXPECT_EQ(o.groups, (Groups{{0, 1}, {2}, {3}, {4, 5}}));
  ExpectEveryByteOnceInFlowOrder(in, o);
}

TEST(CoalescerTest, ProtocolSwitches) {
  Flow a = TcpFlow(1), u = UdpFlow(2);
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000), u.Next(100),
                           u.Next(100)};
  EXPECT_EQ(PlanAndBuild(in, CoalesceConfig{.tcp = false}).groups,
            (Groups{{0}, {1}, {2, 3}}));
  EXPECT_EQ(PlanAndBuild(in, CoalesceConfig{.udp = false}).groups,
            (Groups{{0, 1}, {2}, {3}}));
}

TEST(CoalescerTest, LengthMismatchStaysAlone) {
  Flow a = TcpFlow(1);
  std::vector<Bytes> in = {a.Next(1000), a.Next(1000), a.Next(1000)};
  in[1].push_back(0);  // Trailing padding: IP length != buffer length.
  Outcome o = PlanAndBuild(in);
  EXPECT_EQ(o.groups, (Groups{{0}, {1}, {2}}));
}

TEST(CoalescerTest, SuperPacketsAndNonIpStayAlone) {
  Flow a = TcpFlow(1);
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(testing::ToPacket(a.Next(1000)));
  pkts.push_back(testing::ToPacket(a.Next(1000)));
  pkts.back()->set_gso_options({.type = GSOType::kTCPv4, .mss = 500});
  pkts.push_back(testing::ToPacket(Bytes{0x00, 0x01}));
  pkts.push_back(testing::ToPacket(Bytes(60, 0x45)));
  Coalescer c;
  EXPECT_EQ(c.Plan(pkts).size(), 4u);
}

TEST(CoalescerTest, LinkHeaderIsCopiedAndConsumed) {
  Flow a = TcpFlow(1);
  std::vector<PacketBufferPtr> pkts;
  const Bytes eth = testing::Pattern(14, 9);
  for (int i = 0; i < 3; ++i) {
    Bytes frame = eth;
    Bytes ip = a.Next(900);
    frame.insert(frame.end(), ip.begin(), ip.end());
    pkts.push_back(testing::ToPacket(frame));
    ASSERT_FALSE(pkts.back()->ConsumeLinkHeader(14).empty());
    pkts.back()->set_network_protocol(0x0800);
    pkts.back()->set_hash(1234);
  }
  Coalescer c;
  std::span<const CoalesceGroup> groups = c.Plan(pkts);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(MergedHeaderSize(*pkts[0]), 40u);
  Result<PacketBufferPtr> m = BuildMerged(pkts, c, groups[0], 32);
  ASSERT_TRUE(m.has_value());
  PacketBufferPtr& p = *m;
  EXPECT_EQ(p->AvailableHeaderBytes(), 32u);
  EXPECT_EQ(p->LinkHeaderSize(), 14u);
  EXPECT_EQ(Bytes(p->LinkHeader().begin(), p->LinkHeader().end()), eth);
  EXPECT_EQ(p->network_protocol(), 0x0800);
  EXPECT_EQ(p->hash(), 1234u);
  EXPECT_EQ(p->Size(), 14u + 40u + 2700u);
}

TEST(CoalescerTest, WriteMergedHeadersRefusesSinglesAndShortOutput) {
  Flow a = TcpFlow(1);
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(testing::ToPacket(a.Next(1000)));
  pkts.push_back(testing::ToPacket(a.Next(1000)));
  Coalescer c;
  CoalesceGroup g = c.Plan(pkts)[0];
  uint8_t out[40];
  EXPECT_FALSE(WriteMergedHeaders(*pkts[0], g, std::span(out).first(39)));
  Result<GSOOptions> ok = WriteMergedHeaders(*pkts[0], g, out);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->mss, 1000);
  CoalesceGroup single = g;
  single.count = 1;
  Result<GSOOptions> r = WriteMergedHeaders(*pkts[0], single, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  // A group of one builds as the packet itself.
  Coalescer alone;
  std::vector<PacketBufferPtr> one;
  one.push_back(testing::ToPacket(a.Next(10)));
  Result<PacketBufferPtr> same = BuildMerged(one, alone, alone.Plan(one)[0], 0);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->get(), one[0].get());
}

TEST(CoalescerTest, PlanReusesItsStorageAcrossBatches) {
  Coalescer c;
  Flow a = TcpFlow(1), b = TcpFlow(2);
  for (int round = 0; round < 3; ++round) {
    std::vector<Bytes> in = {a.Next(1000), b.Next(1000), a.Next(1000),
                             b.Next(1000)};
    Outcome o = PlanAndBuild(c, in);
    EXPECT_EQ(o.groups, (Groups{{0, 2}, {1, 3}})) << round;
    ExpectEveryByteOnceInFlowOrder(in, o);
  }
}

TEST(CoalescerTest, ManyFlowsOverflowTheTableSafely) {
  std::vector<Bytes> in;
  std::vector<Flow> flows;
  for (uint32_t i = 0; i < 300; ++i) flows.push_back(TcpFlow(i));
  for (Flow& f : flows) in.push_back(f.Next(100));
  for (Flow& f : flows) in.push_back(f.Next(100));
  Outcome o = PlanAndBuild(in);
  ExpectEveryByteOnceInFlowOrder(in, o);
  EXPECT_LT(o.groups.size(), in.size());  // Most flows still merged.
}

// A random mix of flows and events (reordering, retransmission, PSH, short
// and long segments, bad checksums, ACK changes): whatever merges, every
// flow's packets come out once and in order, and each merged group obeys
// the size rules.
TEST(CoalescerTest, RandomBatchesKeepEveryByteOnceInOrder) {
  std::mt19937 rng(11);
  Coalescer c;
  for (int round = 0; round < 200; ++round) {
    std::vector<Flow> flows;
    const uint32_t nflows = 1 + rng() % 5;
    for (uint32_t i = 0; i < nflows; ++i) {
      flows.push_back(rng() % 3 == 0 ? UdpFlow(i, rng() % 2 ? 4 : 6)
                                     : TcpFlow(i, rng() % 2 ? 4 : 6));
    }
    std::vector<Bytes> in;
    const int n = 1 + static_cast<int>(rng() % 80);
    for (int i = 0; i < n; ++i) {
      Flow& f = flows[rng() % flows.size()];
      const size_t size = rng() % 4 == 0 ? 1 + rng() % 1400 : 1000;
      f.spec.bad_l4_checksum = rng() % 20 == 0;
      if (rng() % 25 == 0) f.spec.ack += 1;
      const uint8_t flags =
          rng() % 10 == 0 ? tcp_flag::kAck | tcp_flag::kPsh : tcp_flag::kAck;
      if (!f.spec.udp && rng() % 15 == 0 && f.offset >= 1000) {
        in.push_back(f.At(f.offset - 1000, 1000, flags));
      } else {
        in.push_back(f.Next(size, flags));
      }
    }
    Outcome o = PlanAndBuild(c, in);
    ExpectEveryByteOnceInFlowOrder(in, o);
    for (size_t g = 0; g < o.groups.size(); ++g) {
      if (o.groups[g].size() < 2) continue;
      for (size_t k = 0; k + 1 < o.groups[g].size(); ++k) {
        EXPECT_EQ(in[o.groups[g][k]].size(), in[o.groups[g][0]].size());
      }
      EXPECT_LE(in[o.groups[g].back()].size(), in[o.groups[g][0]].size());
    }
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace fdlink::offload
