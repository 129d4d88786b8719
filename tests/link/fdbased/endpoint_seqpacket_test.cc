// SOCK_SEQPACKET receive contract: a zero-length record from a live peer is
// an empty frame (dropped, counted, the loop goes on), not a hang-up; the
// real hang-up still ends the loop, after the records sent before it. Also
// what a delivered Ethernet packet looks like.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>

#include "fdlink/link/fdbased/endpoint.h"
#include "testing/dispatch_modes.h"
#include "testing/dispatcher.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using namespace std::chrono_literals;
using testing::RecordingDispatcher;
using testing::SocketPairs;

const MacAddress kOurs({0x02, 0, 0, 0, 0, 0x01});
const MacAddress kPeer({0x02, 0, 0, 0, 0, 0x02});

struct Closed {
  std::atomic<int> calls{0};
  std::atomic<Errc> code{Errc::kUnknown};
};

std::unique_ptr<Endpoint> Make(const SocketPairs& sp, PacketDispatchMode mode,
                               Closed* closed, bool eth = false) {
  Options o;
  o.fds = sp.ours();
  o.dispatch_mode = mode;
  o.processors_per_channel = 1;
  o.ethernet_header = eth;
  o.address = kOurs;
  o.closed_func = [closed](const Error& e) {
    closed->code = e.code;
    closed->calls.fetch_add(1);
  };
  std::unique_ptr<Endpoint> ep = testing::MustCreateEndpoint(std::move(o));
  EXPECT_TRUE(testing::ModeInEffect(*ep, mode));
  return ep;
}

void SendEmpty(int fd) { ASSERT_EQ(::send(fd, "", 0, 0), 0); }

std::vector<uint8_t> Udp(uint16_t seq) {
  return testing::Ipv4Udp("198.18.0.1", "198.18.0.2", seq, 7, 20);
}

class SeqpacketTest : public ::testing::TestWithParam<PacketDispatchMode> {};

TEST_P(SeqpacketTest, EmptyRecordIsDroppedAndLaterPacketsArrive) {
  SocketPairs sp(1, SOCK_SEQPACKET);
  Closed closed;
  auto ep = Make(sp, GetParam(), &closed);
  RecordingDispatcher d;
  ep->Attach(&d);
  SendEmpty(sp.peers[0].get());
  for (uint16_t i = 0; i < 5; ++i) testing::Send(sp.peers[0].get(), Udp(i));
  ASSERT_TRUE(d.WaitForCount(5)) << d.Count() << " of 5 arrived";
  // Between two packets, and several in a row, too.
  SendEmpty(sp.peers[0].get());
  SendEmpty(sp.peers[0].get());
  testing::Send(sp.peers[0].get(), Udp(9));
  ASSERT_TRUE(d.WaitForCount(6));
  EXPECT_EQ(ep->Counters(0).drops_of(DropReason::kEmpty), 3u);
  EXPECT_EQ(closed.calls.load(), 0);
  EXPECT_TRUE(ep->IsAttached());
  ep->Attach(nullptr);
  EXPECT_EQ(closed.calls.load(), 0);
}

TEST_P(SeqpacketTest, HangUpStillEndsTheLoopAfterQueuedRecords) {
  SocketPairs sp(1, SOCK_SEQPACKET);
  Closed closed;
  auto ep = Make(sp, GetParam(), &closed);
  // Queue an empty record and packets, then hang up, before attaching: the
  // records sent before the hang-up are all read first.
  SendEmpty(sp.peers[0].get());
  for (uint16_t i = 0; i < 3; ++i) testing::Send(sp.peers[0].get(), Udp(i));
  sp.peers[0].reset();
  RecordingDispatcher d;
  ep->Attach(&d);
  ep->Wait();  // The loop ends on the hang-up.
  EXPECT_EQ(d.Count(), 3u);
  EXPECT_EQ(ep->Counters(0).drops_of(DropReason::kEmpty), 1u);
  EXPECT_EQ(closed.calls.load(), 1);
  EXPECT_EQ(closed.code.load(), Errc::kPeerClosed);
  ep->Attach(nullptr);
}

INSTANTIATE_TEST_SUITE_P(Modes, SeqpacketTest,
                         testing::ModesOf(testing::FdKind::kSocketpair),
                         testing::ModeParamName);

TEST(EndpointReceiveContract, NetworkPacketStartsAtTheIpHeader) {
  // The dispatcher is told the link header has been consumed: the frame's
  // bytes are all still there, LinkHeader() is the Ethernet header and
  // NetworkPacket() the IP packet, in place.
  SocketPairs sp(1, SOCK_SEQPACKET);
  Closed closed;
  auto ep = Make(sp, PacketDispatchMode::kReadv, &closed, /*eth=*/true);
  const std::vector<uint8_t> ip = Udp(1);
  const std::vector<uint8_t> frame =
      testing::EthernetFrame(kOurs, kPeer, kIPv4ProtocolNumber, ip);
  RecordingDispatcher d;
  std::atomic<bool> ok{false};
  d.hook = [&](NetworkProtocolNumber, PacketBuffer& pkt) {
    std::span<const uint8_t> net = pkt.NetworkPacket();
    std::span<const uint8_t> all = pkt.Contiguous();
    ok = pkt.LinkHeaderSize() == 14 && pkt.LinkHeader().data() == all.data() &&
         net.data() == all.data() + 14 &&
         std::vector<uint8_t>(net.begin(), net.end()) == ip;
  };
  ep->Attach(&d);
  testing::Send(sp.peers[0].get(), frame);
  ASSERT_TRUE(d.WaitForCount(1));
  ep->Attach(nullptr);
  EXPECT_TRUE(ok.load());
  EXPECT_EQ(d.Packets()[0].bytes, frame);
}

}  // namespace
}  // namespace fdlink::fdbased
