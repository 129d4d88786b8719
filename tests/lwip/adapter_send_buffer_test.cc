// NetifAdapter's send_buffer over a socketpair link: an accepted
// connection takes as many unacknowledged bytes as send_buffer says (lwIP's
// own 65,535 without it), delivers every one of them once, in order, as the
// client acknowledges, and a value out of range is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/tcp.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/sys/syscalls.h"
#include "lwip/lwip_test_packets.h"
#include "lwip/pair_link_flow.h"
#include "lwip/tun_adapter_fixture.h"
#include "testing/packets.h"

namespace fdlink::lwip {
namespace {

// kRaised is a send buffer above lwIP's 65,535 and within what its queue
// holds of 536-byte segments (TCP_SND_QUEUELEN, 180 of them: 96,480).
constexpr uint32_t kRaised = 90000;

// Accepted is a PairLink whose connection is kept open for the test.
struct Accepted {
  explicit Accepted(const AdapterConfig& config)
      : link(
            [this](NetifAdapter& a) {
              a.OnAccept([this](Connection& c) { conn = &c; });
            },
            config) {}
  std::atomic<Connection*> conn{nullptr};
  PairLink link;
};

// FillWithoutAcks writes `data` to the connection until Write takes no
// more, with the client acknowledging nothing, and returns what it took.
size_t FillWithoutAcks(Connection& c, std::span<const uint8_t> data) {
  CoreLockGuard g;
  size_t took = 0;
  while (took < data.size()) {
    Result<size_t> n = c.Write(data.subspan(took));
    if (!n || *n == 0) break;
    took += *n;
  }
  return took;
}

// Ack is the client's pure ACK of everything before `ack` (the client has
// sent no data), with an 8,192-byte window so that lwIP sends a little at
// a time and the socketpair never overflows.
std::vector<uint8_t> Ack(uint32_t ack) {
  std::vector<uint8_t> b = DataSeg(0, {}, ack);
  header::MutableTcp t(std::span<uint8_t>(b).subspan(20));
  t.SetWindow(8192);
  t.SetChecksum(0);
  t.SetChecksum(header::TcpChecksum(V4("198.18.64.1"), V4("198.18.64.7"),
                                    std::span(b).subspan(20)));
  return b;
}

// Receive acknowledges what the adapter sends, in order, starting at
// sequence number `seq`, until `want` bytes came or it stops coming.
std::vector<uint8_t> Receive(PairLink& link, uint32_t seq, size_t want) {
  std::vector<uint8_t> stream;
  for (int round = 0; round < 400 && stream.size() < want; ++round) {
    for (const std::vector<uint8_t>& pkt : ReadAll(link.peer, 20)) {
      header::Ipv4 ip(pkt);
      header::Tcp t(ip.payload());
      std::span<const uint8_t> payload = ip.payload().subspan(t.data_offset());
      if (payload.empty() || t.seq() != seq) continue;  // Old or ahead.
      stream.insert(stream.end(), payload.begin(), payload.end());
      seq += static_cast<uint32_t>(payload.size());
    }
    if (!sys::Write(link.peer.get(), Ack(seq))) break;
  }
  return stream;
}

TEST(AdapterSendBuffer, WithoutItAConnectionTakesLwipsOwn65535Bytes) {
  Accepted f(Config());
  ASSERT_TRUE(f.link.adapter);
  ASSERT_TRUE(Handshake(f.link));
  ASSERT_TRUE(WaitUntil([&] { return f.conn.load() != nullptr; }));
  const std::vector<uint8_t> data = testing::Pattern(kRaised, 3);
  EXPECT_EQ(FillWithoutAcks(*f.conn.load(), data), 65535u);
}

TEST(AdapterSendBuffer, ARaisedBufferTakesItAllAndDeliversEveryByteOnce) {
  AdapterConfig config = Config();
  config.send_buffer = kRaised;
  Accepted f(config);
  ASSERT_TRUE(f.link.adapter);
  const std::optional<uint32_t> first_seq = Handshake(f.link);
  ASSERT_TRUE(first_seq);
  ASSERT_TRUE(WaitUntil([&] { return f.conn.load() != nullptr; }));
  Connection& c = *f.conn.load();
  const std::vector<uint8_t> data = testing::Pattern(kRaised + 5000, 4);
  ASSERT_EQ(FillWithoutAcks(c, data), kRaised)
      << "the whole send buffer before any ACK";

  const std::vector<uint8_t> got = Receive(f.link, *first_seq, kRaised);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), data.begin()) &&
              got.size() == kRaised)
      << "received " << got.size() << " of " << kRaised;
  // Every byte acknowledged: the buffer is whole again (tcp_sndbuf reports
  // at most 65,535 at a time), and it takes the rest.
  ASSERT_TRUE(WaitUntil([&] {
    CoreLockGuard g;
    return c.SendSpace() == 65535u;
  }));
  EXPECT_EQ(FillWithoutAcks(c, std::span(data).subspan(kRaised)), 5000u);
}

TEST(AdapterSendBuffer, OutOfRangeIsRefused) {
  PairEndpoint pair;
  ASSERT_TRUE(pair.ep);
  fdbased::Endpoint* ep = pair.ep.get();
  for (const uint32_t bad : {1u, 65534u, kMaxSendBuffer + 1}) {
    AdapterConfig config = Config();
    config.send_buffer = bad;
    Result<std::unique_ptr<NetifAdapter>> r = NetifAdapter::Create(ep, config);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_THAT(r.error().ToString(), ::testing::HasSubstr("send_buffer"));
  }
  AdapterConfig config = Config();
  config.send_buffer = kMaxSendBuffer;
  EXPECT_TRUE(NetifAdapter::Create(ep, config));
}

}  // namespace
}  // namespace fdlink::lwip
