// NetifAdapter's receive offload over a socketpair link: a TCP
// super-packet reaches lwIP as one segment (one ACK, every byte once), a
// UDP one is split into its datagrams, and one whose metadata does not
// match its headers is dropped and counted while the flow goes on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/tcp.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/sys/syscalls.h"
#include "lwip/lwip_test_packets.h"
#include "lwip/pair_link_flow.h"
#include "lwip/tun_adapter_fixture.h"
#include "testing/packets.h"
#include "testing/super_packets.h"

namespace fdlink::lwip {
namespace {

// Super is DataSeg(off, payload, ack) as the kernel hands a TCP
// super-packet over: the checksum field holds the pseudo-header sum and
// the GSO metadata says `mss`-byte segments.
PacketBufferPtr Super(size_t off, std::span<const uint8_t> payload,
                      uint32_t ack, uint16_t mss) {
  std::vector<uint8_t> b = DataSeg(off, payload, ack);
  header::MutableTcp t(std::span<uint8_t>(b).subspan(20));
  t.SetChecksum(
      header::PseudoHeaderChecksum(6, V4("198.18.64.1"), V4("198.18.64.7"),
                                   static_cast<uint16_t>(b.size() - 20)));
  PacketBufferPtr p = Packet(b);
  GSOOptions g;
  g.type = GSOType::kTCPv4;
  g.needs_csum = true;
  g.csum_offset = header::kTcpChecksumOffset;
  g.mss = mss;
  g.l3_header_len = 20;
  g.l4_header_len = 20;
  p->set_gso_options(g);
  return p;
}

// Flow is an accepted connection that records what lwIP delivered.
struct Flow {
  explicit Flow(const AdapterConfig& config = Config())
      : link(
            [this](NetifAdapter& a) {
              a.OnAccept([this](Connection& c) {
                core_lock.AssertHeld();  // lwIP's callbacks run under it.
                c.OnRecv([this](Connection& cc, std::span<const uint8_t> d) {
                  core_lock.AssertHeld();
                  got.insert(got.end(), d.begin(), d.end());
                  ++recvs;
                  cc.Consumed(d.size());
                });
                conn = &c;
                accepted = true;
              });
            },
            config) {}
  std::vector<uint8_t> Got() {
    CoreLockGuard g;
    return got;
  }

  std::vector<uint8_t> got;  // Under core_lock.
  std::atomic<int> recvs{0};
  std::atomic<bool> accepted{false};
  std::atomic<Connection*> conn{nullptr};
  PairLink link;
};

TEST(AdapterSuper, ATcpSuperPacketReachesLwipAsOneSegment) {
  Flow f;
  ASSERT_TRUE(f.link.adapter);
  NetifAdapter& a = *f.link.adapter;
  EXPECT_TRUE(a.TakesSuperPackets());
  const std::optional<uint32_t> ack = Handshake(f.link);
  ASSERT_TRUE(ack);
  ASSERT_TRUE(WaitUntil([&] { return f.accepted.load(); }));
  (void)ReadAll(f.link.peer, 50);

  // 12,000 bytes the kernel would have sent as twelve 1000-byte segments.
  const std::vector<uint8_t> data = testing::Pattern(12000, 6);
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(Super(0, data, *ack, 1000));
  a.DeliverNetworkPackets(pkts);

  const AdapterCounters c = a.Counters();
  EXPECT_EQ(c.rx_merged, 1u);
  EXPECT_EQ(c.rx_merged_segments, 12u);
  EXPECT_EQ(c.rx_malformed, 0u);
  EXPECT_EQ(f.Got(), data) << "every byte once, in order";
  EXPECT_EQ(f.recvs.load(), 1) << "one segment, one delivery";
  const std::vector<std::vector<uint8_t>> out = ReadAll(f.link.peer);
  ASSERT_EQ(out.size(), 1u) << "one ACK for the whole super-packet";
  header::Tcp t(header::Ipv4(out[0]).payload());
  EXPECT_EQ(t.flags(), 0x10);
  EXPECT_EQ(t.ack(), static_cast<uint32_t>(0xdeadbeef + 1 + data.size()));
}

TEST(AdapterSuper, AMismatchedSuperPacketIsDroppedAndTheFlowGoesOn) {
  Flow f;
  ASSERT_TRUE(f.link.adapter);
  NetifAdapter& a = *f.link.adapter;
  const std::optional<uint32_t> ack = Handshake(f.link);
  ASSERT_TRUE(ack);
  ASSERT_TRUE(WaitUntil([&] { return f.accepted.load(); }));
  const std::vector<uint8_t> data = testing::Pattern(4000, 7);

  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(Super(0, data, *ack, 1000));
  GSOOptions bad = pkts[0]->gso_options();
  bad.l4_header_len = 32;  // The TCP header is 20 bytes.
  pkts[0]->set_gso_options(bad);
  pkts.push_back(Super(0, data, *ack, 1000));  // The good one after it.
  a.DeliverNetworkPackets(pkts);

  const AdapterCounters c = a.Counters();
  EXPECT_EQ(c.rx_malformed, 1u);
  EXPECT_EQ(c.rx_merged, 1u);
  EXPECT_EQ(f.Got(), data) << "the bad copy reached lwIP not at all";
}

TEST(AdapterSuper, AUdpSuperPacketIsSplitIntoItsDatagrams) {
  std::atomic<size_t> datagrams{0};
  std::atomic<size_t> bytes{0};
  PairLink link([&](NetifAdapter& a) {
    a.OnUdp([&](const FlowAddr&, const FlowAddr&,
                std::span<const uint8_t> payload) {
      ++datagrams;
      bytes += payload.size();
    });
  });
  ASSERT_TRUE(link.adapter);
  testing::SuperPacketSpec spec;
  spec.tcp = false;
  spec.payload = 3500;
  spec.mss = 1000;
  const testing::SuperPacket sp = testing::BuildSuperPacket(spec);
  std::vector<PacketBufferPtr> pkts;
  pkts.push_back(Packet(sp.bytes));
  pkts[0]->set_gso_options(sp.gso);
  link.adapter->DeliverNetworkPackets(pkts);

  const AdapterCounters c = link.adapter->Counters();
  EXPECT_EQ(c.rx_split, 1u);
  EXPECT_EQ(c.rx_merged, 0u);
  EXPECT_EQ(c.udp_rx, 4u);
  EXPECT_EQ(datagrams.load(), 4u);
  EXPECT_EQ(bytes.load(), 3500u);
}

// send_super: lwIP's MSS is raised for the accepted connection and a large
// write leaves as super-packets, which this link (a socketpair, no
// virtio-net header) splits in software into the client's own segment
// size: every byte once, in order, each wire packet within the client's
// MSS and with a valid checksum.
TEST(AdapterSuper, SendSuperWritesLargeSegmentsCutAtTheClientsMss) {
  AdapterConfig config = Config();
  config.send_super = 16384;
  Flow f(config);
  ASSERT_TRUE(f.link.adapter);
  NetifAdapter& a = *f.link.adapter;
  const std::optional<uint32_t> first_seq = Handshake(f.link);
  ASSERT_TRUE(first_seq);
  ASSERT_TRUE(WaitUntil([&] { return f.conn.load() != nullptr; }));
  // The client's SYN carried no MSS option: lwIP takes 536 (RFC 9293).
  const std::vector<uint8_t> data = testing::Pattern(20000, 8);
  {
    CoreLockGuard g;
    NetifAdapter::OutputBatch batch(a);
    ASSERT_TRUE(f.conn.load()->Write(data));
  }
  std::vector<uint8_t> stream;
  uint32_t seq = *first_seq;
  size_t wire = 0;
  for (const std::vector<uint8_t>& pkt : ReadAll(f.link.peer)) {
    header::Ipv4 ip(pkt);
    ASSERT_TRUE(ip.IsChecksumValid());
    EXPECT_TRUE(header::VerifyTcpChecksum(ip.src(), ip.dst(), ip.payload()));
    header::Tcp t(ip.payload());
    std::span<const uint8_t> payload = ip.payload().subspan(t.data_offset());
    EXPECT_LE(payload.size(), 536u);
    EXPECT_EQ(t.seq(), seq);
    seq += static_cast<uint32_t>(payload.size());
    stream.insert(stream.end(), payload.begin(), payload.end());
    ++wire;
  }
  EXPECT_EQ(stream, data);
  const AdapterCounters c = a.Counters();
  EXPECT_GE(c.tx_super, 1u);
  EXPECT_LT(c.tx_packets, wire) << "fewer packets left lwIP than the wire saw";
}

TEST(AdapterSuper, SendSuperOutOfRangeIsRefused) {
  PairEndpoint pair;
  ASSERT_TRUE(pair.ep);
  fdbased::Endpoint* ep = pair.ep.get();
  for (const uint32_t bad : {100u, 70000u}) {
    AdapterConfig config = Config();
    config.send_super = bad;
    Result<std::unique_ptr<NetifAdapter>> r = NetifAdapter::Create(ep, config);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_THAT(r.error().ToString(), ::testing::HasSubstr("send_super"));
  }
}

}  // namespace
}  // namespace fdlink::lwip
