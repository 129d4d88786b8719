// The Responder against a fake LinkEndpoint, for what a real endpoint
// cannot easily show: refused writes, scattered packets, the counter
// rendering, and the accounting invariant.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fdlink/base/mutex.h"
#include "fdlink/buffer/chunk.h"
#include "responder_test_util.h"

namespace fdlink::responder::testing {
namespace {

// FakeEndpoint is an Ethernet LinkEndpoint that records what is written
// (link header included) or refuses it: `write_result` is returned as is
// when set.
class FakeEndpoint final : public LinkEndpoint {
 public:
  void Attach(NetworkDispatcher*) override {}
  bool IsAttached() const override { return false; }
  void Wait() override {}
  uint32_t MTU() const override { return 1500; }
  void SetMTU(uint32_t) override {}
  uint32_t Capabilities() const override { return 0; }
  uint16_t MaxHeaderLength() const override {
    return header::kEthernetHeaderSize;
  }
  MacAddress LinkAddress() const override { return kOurMac; }
  void SetLinkAddress(MacAddress) override {}
  ArpHardware ARPHardwareType() const override { return ArpHardware::kEther; }
  Result<void> AddHeader(PacketBuffer& pkt) const override {
    std::span<uint8_t> h = pkt.PushLinkHeader(header::kEthernetHeaderSize);
    if (h.empty()) return Errc::kInvalidArgument;
    header::MutableEthernet eth(h);
    eth.SetDst(pkt.egress_route().remote_link_address.bytes());
    eth.SetSrc(pkt.egress_route().local_link_address.bytes());
    eth.SetEtherType(pkt.network_protocol());
    return Ok();
  }
  bool ParseHeader(PacketBuffer&) const override { return true; }
  Result<size_t> WritePackets(std::span<const PacketBufferPtr> pkts) override {
    if (write_result) return *write_result;
    MutexLock l(&mu_);
    for (const PacketBufferPtr& p : pkts) written_.push_back(p->ToBytes());
    return pkts.size();
  }
  void Close() override {}
  void SetOnCloseAction(std::function<void()>) override {}

  std::vector<std::vector<uint8_t>> Written() {
    MutexLock l(&mu_);
    return written_;
  }

  std::optional<Result<size_t>> write_result;

 private:
  Mutex mu_{"test.FakeEndpoint.mu"};
  std::vector<std::vector<uint8_t>> written_ GUARDED_BY(mu_);
};

// MakeInbound builds a received packet: an Ethernet header from kPeerMac
// (consumed, as an endpoint would) followed by `ip`.
PacketBufferPtr MakeInbound(uint16_t ether_type, std::span<const uint8_t> ip) {
  std::vector<uint8_t> frame =
      fdlink::testing::EthernetFrame(kOurMac, kPeerMac, ether_type, ip);
  PacketBufferOptions o;
  o.payload = frame;
  PacketBufferPtr pkt = PacketBuffer::Create(o);
  pkt->ConsumeLinkHeader(header::kEthernetHeaderSize);
  pkt->set_network_protocol(ether_type);
  return pkt;
}

TEST(ResponderUnit, RefusedWritesCountAsTxFailed) {
  FakeEndpoint ep;
  Responder r(&ep, DefaultConfig());
  ep.write_result = Result<size_t>(size_t{0});  // Would block.
  r.DeliverNetworkPacket(
      kIPv4ProtocolNumber,
      MakeInbound(kIPv4ProtocolNumber, Icmpv4Echo(kPeerV4, kOurV4, 1, 1)));
  ep.write_result = Result<size_t>(Error{Errc::kIoError, 5, "writev"});
  r.DeliverNetworkPacket(
      kIPv6ProtocolNumber,
      MakeInbound(kIPv6ProtocolNumber, Icmpv6Echo(kPeerV6, kOurV6, 1, 1)));
  ResponderCounters c = r.Counters();
  EXPECT_EQ(c.received, 2u);
  EXPECT_EQ(c.tx_failed, 2u);
  EXPECT_EQ(c.replies(), 0u);
  EXPECT_EQ(c.total_drops(), 0u);

  // It keeps answering once the link takes packets again.
  ep.write_result.reset();
  r.DeliverNetworkPacket(
      kIPv4ProtocolNumber,
      MakeInbound(kIPv4ProtocolNumber, Icmpv4Echo(kPeerV4, kOurV4, 1, 2)));
  EXPECT_EQ(ep.Written().size(), 1u);
  EXPECT_EQ(r.Counters().icmpv4_echo_replies, 1u);
}

// A packet split over several views (not what an fdbased endpoint
// delivers, but allowed by PacketBuffer) is answered the same way.
TEST(ResponderUnit, ScatteredPacketIsAnswered) {
  FakeEndpoint ep;
  Responder r(&ep, DefaultConfig());
  const std::vector<uint8_t> req =
      fdlink::testing::Ipv4Udp(kPeerV4, kOurV4, 3333, 7, 300);
  PacketBufferPtr pkt = MakeInbound(
      kIPv4ProtocolNumber, std::span(req).first(header::kIpv4MinimumSize));
  pkt->AppendView(
      View::CopyOf(std::span(req).subspan(header::kIpv4MinimumSize, 100)));
  pkt->AppendView(
      View::CopyOf(std::span(req).subspan(header::kIpv4MinimumSize + 100)));
  ASSERT_TRUE(pkt->Contiguous().empty());
  r.DeliverNetworkPacket(kIPv4ProtocolNumber, std::move(pkt));

  std::vector<std::vector<uint8_t>> out = ep.Written();
  ASSERT_EQ(out.size(), 1u);
  std::vector<uint8_t> ip(out[0].begin() + header::kEthernetHeaderSize,
                          out[0].end());
  std::vector<uint8_t> udp =
      CheckIpv4Reply(ip, kOurV4, kPeerV4, header::ip_proto::kUdp);
  ASSERT_EQ(udp.size(), req.size() - header::kIpv4MinimumSize);
  EXPECT_TRUE(std::equal(
      udp.begin() + header::kUdpMinimumSize, udp.end(),
      req.begin() + header::kIpv4MinimumSize + header::kUdpMinimumSize));
}

// Without a link header (raw IP) an unknown protocol number is still
// dropped by name.
TEST(ResponderUnit, UnknownProtocolNumberIsDropped) {
  FakeEndpoint ep;
  Responder r(&ep, DefaultConfig());
  PacketBufferOptions o;
  const std::vector<uint8_t> bytes = fdlink::testing::Pattern(40);
  o.payload = bytes;
  r.DeliverNetworkPacket(0x1234, PacketBuffer::Create(o));
  EXPECT_EQ(r.Counters().drops_of(ResponderDrop::kUnknownEtherType), 1u);
  EXPECT_TRUE(ep.Written().empty());
}

TEST(ResponderCounters, DropNamesAreUniqueSnakeCase) {
  std::set<std::string> names;
  for (size_t i = 0; i < static_cast<size_t>(ResponderDrop::kCount); ++i) {
    const std::string name(ResponderDropName(static_cast<ResponderDrop>(i)));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown") << "drop " << i << " has no name";
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"),
              std::string::npos)
        << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(ResponderDrop::kCount));
  EXPECT_EQ(ResponderDropName(ResponderDrop::kBadIpv4Checksum),
            "bad_ipv4_checksum");
  EXPECT_EQ(ResponderDropName(ResponderDrop::kNotOurs), "not_ours");
}

TEST(ResponderCounters, SummaryAndJsonRenderEveryCounter) {
  ResponderCounters c;
  c.received = 10;
  c.arp_replies = 1;
  c.icmpv4_echo_replies = 2;
  c.icmpv6_echo_replies = 3;
  c.neighbor_advertisements = 1;
  c.udp_echoes = 0;
  c.tx_failed = 1;
  c.drops[static_cast<size_t>(ResponderDrop::kFragment)] = 2;
  EXPECT_EQ(c.replies(), 7u);
  EXPECT_EQ(c.total_drops(), 2u);
  EXPECT_EQ(c.Summary(),
            "received 10, replied 7 (arp_replies 1, icmpv4_echo_replies 2, "
            "icmpv6_echo_replies 3, neighbor_advertisements 1, udp_echoes 0), "
            "tx_failed 1, dropped 2 (fragment 2)");
  const std::string json = c.Json();
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  for (const char* part :
       {"\"received\":10,", "\"replied\":7,", "\"dropped\":2,",
        "\"arp_replies\":1,", "\"icmpv4_echo_replies\":2,",
        "\"icmpv6_echo_replies\":3,", "\"neighbor_advertisements\":1,",
        "\"udp_echoes\":0,", "\"tx_failed\":1,", "\"drops\":{\"truncated\":0,",
        "\"fragment\":2,", "\"echo_service_port\":0}}"}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << " in " << json;
  }
  EXPECT_EQ(json.find(",}"), std::string::npos);
}

TEST(ResponderCounters, ResponderRendersItsOwnCounters) {
  FakeEndpoint ep;
  Responder r(&ep, DefaultConfig());
  r.DeliverNetworkPacket(
      kIPv4ProtocolNumber,
      MakeInbound(kIPv4ProtocolNumber, Icmpv4Echo(kPeerV4, kOtherV4, 1, 1)));
  EXPECT_EQ(r.Summary(), r.Counters().Summary());
  EXPECT_NE(r.Summary().find("not_ours 1"), std::string::npos) << r.Summary();
  EXPECT_NE(r.CountersJson().find("\"not_ours\":1"), std::string::npos);
}

}  // namespace
}  // namespace fdlink::responder::testing
