// The receive path of fdbased::Endpoint: what reaches the dispatcher, in
// each dispatch mode, and what is dropped (without stopping the loop).
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>
#include <string>

#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/packet_reader.h"
#include "testing/dispatch_modes.h"
#include "testing/dispatcher.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using testing::RecordingDispatcher;
using testing::SocketPairs;

const MacAddress kOurs({0x02, 0x03, 0x03, 0x04, 0x05, 0x06});
const MacAddress kPeer({0x02, 0x03, 0x03, 0x04, 0x05, 0x07});
const MacAddress kOther({0x02, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e});

// The behaviour tests run once per mode of socketpairs (the suite's
// parameter), each on both socket types.
const int kSockTypes[] = {SOCK_SEQPACKET, SOCK_DGRAM};

class EndpointReceive : public ::testing::TestWithParam<PacketDispatchMode> {};

// Describe names one case of the socket type x Ethernet (x length) loops
// for SCOPED_TRACE, e.g. "recvmmsg/dgram eth=1 len=100".
std::string Describe(PacketDispatchMode mode, int sock_type, bool eth,
                     size_t len = 0) {
  std::string s = DispatchModeName(mode);
  s += sock_type == SOCK_SEQPACKET ? "/seqpacket" : "/dgram";
  s += eth ? " eth=1" : " eth=0";
  if (len != 0) s += " len=" + std::to_string(len);
  return s;
}

std::unique_ptr<Endpoint> Make(const SocketPairs& sp, bool eth,
                               PacketDispatchMode mode,
                               uint32_t processors = 1) {
  Options o;
  o.fds = sp.ours();
  o.ethernet_header = eth;
  o.address = kOurs;
  o.dispatch_mode = mode;
  o.processors_per_channel = processors;
  std::unique_ptr<Endpoint> ep = testing::MustCreateEndpoint(std::move(o));
  EXPECT_TRUE(testing::ModeInEffect(*ep, mode));
  return ep;
}

std::vector<uint8_t> Frame(bool eth, const std::vector<uint8_t>& ip,
                           MacAddress dst = kOurs) {
  if (!eth) return ip;
  const uint16_t type =
      (ip[0] >> 4) == 6 ? kIPv6ProtocolNumber : kIPv4ProtocolNumber;
  return testing::EthernetFrame(dst, kPeer, type, ip);
}

// gVisor's TestDeliverPacket: eth on/off x 100/1000 bytes, every mode.
TEST_P(EndpointReceive, DeliveredPacketIsIntact) {
  for (int type : kSockTypes) {
    for (bool eth : {true, false}) {
      for (size_t len : {100, 1000}) {
        SCOPED_TRACE(Describe(GetParam(), type, eth, len));
        SocketPairs sp(1, type);
        auto ep = Make(sp, eth, GetParam());
        RecordingDispatcher d;
        ep->Attach(&d);
        std::vector<uint8_t> ip =
            testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 5, 6, len);
        std::vector<uint8_t> frame = Frame(eth, ip);
        testing::Send(sp.peers[0].get(), frame);
        ASSERT_TRUE(d.WaitForCount(1));
        ep->Attach(nullptr);
        auto got = d.Packets();
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].protocol, kIPv4ProtocolNumber);
        EXPECT_EQ(got[0].bytes, frame);
        EXPECT_EQ(got[0].link_header_size, eth ? 14u : 0u);
        EXPECT_EQ(ep->Counters(0).rx_packets, 1u);
        EXPECT_EQ(ep->Counters(0).rx_bytes, frame.size());
      }
    }
  }
}

// gVisor's TestDispatchPacketFormat: one dispatch gives exactly one packet
// with the right link header length, size and protocol, IPv6 with
// extension headers included.
TEST_P(EndpointReceive, DispatchFormatIncludingIpv6ExtensionHeaders) {
  for (int type : kSockTypes) {
    for (bool eth : {true, false}) {
      SCOPED_TRACE(Describe(GetParam(), type, eth));
      SocketPairs sp(1, type);
      auto ep = Make(sp, eth, GetParam());
      RecordingDispatcher d;
      ep->Attach(&d);
      std::vector<uint8_t> ip = testing::Ipv6Udp(
          "2001:db8::1", "2001:db8::2", 9, 10, 50, /*extensions=*/true);
      std::vector<uint8_t> frame = Frame(eth, ip);
      testing::Send(sp.peers[0].get(), frame);
      ASSERT_TRUE(d.WaitForCount(1));
      ep->Attach(nullptr);
      auto got = d.Packets();
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].protocol, kIPv6ProtocolNumber);
      EXPECT_EQ(got[0].link_header_size, eth ? 14u : 0u);
      EXPECT_EQ(got[0].size, frame.size());
    }
  }
}

// The largest IP packet arrives whole and in one contiguous piece (gVisor's
// buffer-configuration tests: 65,535 bytes fit, headers are contiguous).
TEST(EndpointReceive, MaxSizePacketFitsInOneBuffer) {
  static_assert(kRxSlotSize >= 65535 + 14 + 10);
  SocketPairs sp(1, SOCK_SEQPACKET);
  ASSERT_TRUE(sys::SetSocketBuffers(sp.peers[0].get(), 1 << 20).has_value());
  ASSERT_TRUE(sys::SetSocketBuffers(sp.ends[0].get(), 1 << 20).has_value());
  auto ep = Make(sp, false, PacketDispatchMode::kReadv);
  size_t slices = 0;
  RecordingDispatcher d;
  d.hook = [&](NetworkProtocolNumber, PacketBuffer& p) {
    slices = p.SliceCount();
  };
  ep->Attach(&d);
  std::vector<uint8_t> ip =
      testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1, 2, 65535 - 28);
  testing::Send(sp.peers[0].get(), ip);
  ASSERT_TRUE(d.WaitForCount(1));
  ep->Attach(nullptr);
  EXPECT_EQ(d.Packets()[0].bytes, ip);
  EXPECT_EQ(slices, 1u);
}

// A frame that fails the filter, a truncated frame and garbage are dropped
// and counted; the loop keeps running and the next good frame arrives
// (gVisor's readv loop ended on the first filtered frame).
TEST_P(EndpointReceive, BadFramesAreDroppedAndLoopContinues) {
  for (int type : kSockTypes) {
    SCOPED_TRACE(Describe(GetParam(), type, true));
    SocketPairs sp(1, type);
    auto ep = Make(sp, true, GetParam());
    RecordingDispatcher d;
    ep->Attach(&d);
    std::vector<uint8_t> ip =
        testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 5, 6, 20);
    const int fd = sp.peers[0].get();
    testing::Send(fd, Frame(true, ip, kOther));                   // Not for us.
    testing::Send(fd, std::vector<uint8_t>{1, 2, 3, 4, 5});       // Truncated.
    testing::Send(fd, Frame(true, ip, MacAddress::Broadcast()));  // Group.
    testing::Send(fd, Frame(true, ip));                           // Good.
    ASSERT_TRUE(d.WaitForCount(2));
    const FdCounters c = ep->Counters(0);
    EXPECT_EQ(c.drops_of(DropReason::kNotForUs), 1u);
    EXPECT_EQ(c.drops_of(DropReason::kTruncated), 1u);
    EXPECT_EQ(c.rx_packets, 4u);
    ep->Attach(nullptr);
  }
  for (int type : kSockTypes) {
    SCOPED_TRACE(Describe(GetParam(), type, false));
    SocketPairs sp(1, type);
    auto ep = Make(sp, false, GetParam());
    RecordingDispatcher d;
    ep->Attach(&d);
    const int fd = sp.peers[0].get();
    testing::Send(fd, std::vector<uint8_t>{0x00, 0xff, 0x13, 0x37});  // Junk.
    testing::Send(fd, std::vector<uint8_t>{0x90});  // Version 9.
    testing::Send(fd, testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 5, 6, 20));
    ASSERT_TRUE(d.WaitForCount(1));
    EXPECT_EQ(ep->Counters(0).drops_of(DropReason::kUnknownProtocol), 2u);
    ep->Attach(nullptr);
  }
}

TEST_P(EndpointReceive, EmptyDatagramIsDroppedNotEof) {
  SocketPairs sp(1, SOCK_DGRAM);
  auto ep = Make(sp, false, GetParam());
  RecordingDispatcher d;
  ep->Attach(&d);
  ASSERT_EQ(::send(sp.peers[0].get(), "", 0, 0), 0);
  testing::Send(sp.peers[0].get(),
                testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 5, 6, 20));
  ASSERT_TRUE(d.WaitForCount(1));
  EXPECT_EQ(ep->Counters(0).drops_of(DropReason::kEmpty), 1u);
  ep->Attach(nullptr);
}

INSTANTIATE_TEST_SUITE_P(Modes, EndpointReceive,
                         testing::ModesOf(testing::FdKind::kSocketpair),
                         testing::ModeParamName);

// A non-socket fd (a pipe) falls back to the readv mode, even when
// recvmmsg is asked for.
TEST(EndpointReceive, NonSocketFallsBackToReadv) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  Options o;
  o.fds = {r.get()};
  o.dispatch_mode = PacketDispatchMode::kRecvMMsg;
  auto ep = std::move(Endpoint::Create(o)).value();
  RecordingDispatcher d;
  ep->Attach(&d);
  std::vector<uint8_t> ip =
      testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 5, 6, 20);
  ASSERT_TRUE(sys::Write(w.get(), ip).has_value());
  ASSERT_TRUE(d.WaitForCount(1));
  EXPECT_EQ(d.Packets()[0].bytes, ip);
  ep->Attach(nullptr);
}

// With several processors, every packet of one flow goes to the same
// processor thread, and packets of many flows use more than one.
TEST(EndpointReceive, ProcessorsKeepFlowsTogether) {
  SocketPairs sp(1, SOCK_SEQPACKET);
  auto ep = Make(sp, false, PacketDispatchMode::kRecvMMsg, 4);
  Mutex mu{"test.flows.mu"};
  std::map<uint16_t, std::set<size_t>> threads_by_port;
  std::set<size_t> all;
  RecordingDispatcher d;
  d.record_bytes = false;
  d.hook = [&](NetworkProtocolNumber, PacketBuffer& p) {
    std::vector<uint8_t> b = p.ToBytes();
    const uint16_t sport = static_cast<uint16_t>(b[20] << 8 | b[21]);
    MutexLock l(&mu);
    threads_by_port[sport].insert(
        std::hash<std::thread::id>{}(std::this_thread::get_id()));
    all.insert(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  };
  ep->Attach(&d);
  size_t sent = 0;
  for (int round = 0; round < 10; ++round) {
    for (uint16_t port = 1000; port < 1032; ++port) {
      testing::Send(sp.peers[0].get(),
                    testing::Ipv4Udp("198.18.0.1", "198.18.0.2", port, 7, 30));
      ++sent;
    }
  }
  ASSERT_TRUE(d.WaitForCount(sent));
  ep->Attach(nullptr);
  MutexLock l(&mu);
  for (auto& [port, ids] : threads_by_port) {
    EXPECT_EQ(ids.size(), 1u) << "flow " << port << " was split";
  }
  EXPECT_GT(all.size(), 1u);
}

// Fragments hash without ports, so all fragments of a datagram stay
// together even though only the first carries the ports.
TEST(EndpointReceive, FragmentsIgnorePortsInFlowHash) {
  SocketPairs sp(1, SOCK_SEQPACKET);
  auto ep = Make(sp, false, PacketDispatchMode::kReadv, 4);
  Mutex mu{"test.frags.mu"};
  std::set<size_t> ids;
  RecordingDispatcher d;
  d.record_bytes = false;
  d.hook = [&](NetworkProtocolNumber, PacketBuffer&) {
    MutexLock l(&mu);
    ids.insert(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  };
  ep->Attach(&d);
  for (uint16_t port = 1; port <= 40; ++port) {
    std::vector<uint8_t> ip =
        testing::Ipv4Udp("198.18.0.1", "198.18.0.2", port, 7, 30);
    ip[6] = 0x20;  // More-fragments: ports must not count.
    testing::Send(sp.peers[0].get(), ip);
  }
  ASSERT_TRUE(d.WaitForCount(40));
  ep->Attach(nullptr);
  MutexLock l(&mu);
  EXPECT_EQ(ids.size(), 1u);
}

}  // namespace
}  // namespace fdlink::fdbased
