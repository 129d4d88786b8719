// The packet_mmap dispatch mode on a veth pair in a private namespace:
// frames arrive byte-exact and zero-copy from the receive ring, bad ones
// are dropped and counted, held packets outlive detach, re-attach and the
// endpoint, the ring running dry neither spins nor stalls, and attach
// cycles leave no mapping behind.
#include "link/fdbased/packet_ring.h"

#include <gtest/gtest.h>
#include <linux/if_packet.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "device/device_test_util.h"
#include "fdlink/base/mutex.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/packet_socket.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/sys/syscalls.h"
#include "testing/dispatcher.h"
#include "testing/endpoints.h"
#include "testing/holding.h"
#include "testing/netns_fixture.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"
#include "testing/watchdog.h"

namespace fdlink::fdbased {
namespace {

using device::testing::RunInside;
using device::testing::WaitRunning;
using namespace std::chrono_literals;
using testing::CpuSeconds;
using testing::HoldingDispatcher;
using testing::kSanitized;
using testing::MappingOf;
using testing::MapsLines;

const MacAddress kOther({0x02, 0x0e, 0x0e, 0x0e, 0x0e, 0x0e});

// Link is an up veth pair: the endpoint reads end b through AF_PACKET
// sockets, the test sends on end a through another one.
struct Link {
  int a = 0, b = 0;
  MacAddress mac_b{};
  std::optional<device::PacketSockets> rx, tx;
};

void MakeLink(Link* l, int rx_sockets) {
  Result<std::pair<int, int>> pair =
      device::CreateVethPair("fdlmma0", "fdlmmb0");
  ASSERT_TRUE(pair) << pair.error().ToString();
  l->a = pair->first;
  l->b = pair->second;
  for (const char* dev : {"fdlmma0", "fdlmmb0"}) {
    std::ofstream(std::string("/proc/sys/net/ipv6/conf/") + dev +
                  "/disable_ipv6")
        << "1";
  }
  // Room for frames larger than the endpoint's MTU (the oversized case).
  ASSERT_TRUE(device::SetMtu(l->a, 9000));
  ASSERT_TRUE(device::SetMtu(l->b, 9000));
  ASSERT_TRUE(device::SetUp(l->a, true));
  ASSERT_TRUE(device::SetUp(l->b, true));
  ASSERT_TRUE(WaitRunning(l->a));
  ASSERT_TRUE(WaitRunning(l->b));
  l->mac_b = *device::GetHardwareAddress(l->b);
  Result<device::PacketSockets> rx =
      device::OpenPacketSockets("fdlmmb0", rx_sockets);
  ASSERT_TRUE(rx) << rx.error().ToString();
  l->rx.emplace(std::move(*rx));
  Result<device::PacketSockets> tx = device::OpenPacketSockets("fdlmma0", 1);
  ASSERT_TRUE(tx) << tx.error().ToString();
  l->tx.emplace(std::move(*tx));
}

Options MmapOptions(const Link& l, size_t frames = 0) {
  Options o;
  o.fds = l.rx->borrowed_fds();
  o.ethernet_header = true;
  o.address = l.mac_b;
  o.dispatch_mode = PacketDispatchMode::kPacketMmap;
  o.packet_mmap_frames = frames;
  o.processors_per_channel = 1;
  return o;
}

std::vector<uint8_t> UdpFrame(MacAddress dst, uint16_t sport, size_t len) {
  return testing::EthernetFrame(
      dst, kOther, kIPv4ProtocolNumber,
      testing::Ipv4Udp("198.18.0.1", "198.18.0.2", sport, 7, len));
}

void SendOn(const Link& l, const std::vector<uint8_t>& frame) {
  Result<size_t> n = sys::Write(l.tx->fds[0].get(), frame);
  ASSERT_TRUE(n) << n.error().ToString();
  ASSERT_EQ(*n, frame.size());
}

// ExpectFrameArrives attaches a recording dispatcher to `ep`, sends one
// frame and checks that it arrives byte-exact, then detaches.
void ExpectFrameArrives(Endpoint& ep, const Link& l, uint16_t sport) {
  testing::RecordingDispatcher d;
  ep.Attach(&d);
  const std::vector<uint8_t> f = UdpFrame(l.mac_b, sport, 64);
  SendOn(l, f);
  ASSERT_TRUE(d.WaitForCount(1));
  EXPECT_EQ(d.Packets()[0].bytes, f);
  ep.Attach(nullptr);
}

// WithLink runs `body` inside the test's namespace with a fresh veth link
// read through `sockets` AF_PACKET sockets. A body that hangs (a detach
// that never returns: the mutation tests' M5) ends the binary after 120 s.
void WithLink(const device::NetNs& ns, int sockets,
              const std::function<void(const Link&)>& body) {
  testing::Watchdog watchdog(std::chrono::seconds(120), "a packet_mmap test");
  RunInside(ns, [&] {
    Link l;
    MakeLink(&l, sockets);
    if (::testing::Test::HasFatalFailure()) return;
    body(l);
  });
}

using PacketMmapTest = ::fdlink::testing::NetNsFixture;

TEST(PacketRingLayout, FramesAlignedBlocksWholePages) {
  PacketRingShape s{.frames = 100, .max_frame = 14 + 1500, .link_header = 14};
  const sys::PacketRxRingLayout l = PacketRingLayoutFor(s, 4096);
  EXPECT_EQ(l.frame_size % TPACKET_ALIGNMENT, 0u);
  EXPECT_GE(l.frame_size, sys::TpacketV2DataOffset() + 1500);
  EXPECT_EQ(l.block_size % 4096, 0u);
  EXPECT_GE(l.block_size, 65536u);
  EXPECT_EQ(l.frame_nr, l.block_nr * (l.block_size / l.frame_size));
  EXPECT_GE(l.frame_nr, 100u);
  // 64 KiB packets with a virtio-net header: one frame per block.
  PacketRingShape big{.frames = 8,
                      .max_frame = 10 + 14 + 65535,
                      .link_header = 14,
                      .vnet_header = 10};
  const sys::PacketRxRingLayout lb = PacketRingLayoutFor(big, 4096);
  EXPECT_GE(lb.frame_size, sys::TpacketV2DataOffset() + 10 + 65535);
  EXPECT_EQ(lb.block_size % 4096, 0u);
  EXPECT_EQ(lb.frame_nr, 8u);
  EXPECT_EQ(lb.block_nr, 8u);
}

TEST(PacketMmapOptions, NamesValidationAndFallback) {
  Result<PacketDispatchMode> m = ParseDispatchMode("packet_mmap");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, PacketDispatchMode::kPacketMmap);
  EXPECT_STREQ(DispatchModeName(PacketDispatchMode::kPacketMmap),
               "packet_mmap");
  UniqueFd a, b;
  ASSERT_TRUE(sys::SocketPair(SOCK_DGRAM, &a, &b));
  Options o;
  o.fds = {a.get()};
  o.dispatch_mode = PacketDispatchMode::kPacketMmap;
  o.packet_mmap_frames = 8;
  Result<std::unique_ptr<Endpoint>> bad = Endpoint::Create(o);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_NE(std::string(bad.error().what).find("packet_mmap_frames"),
            std::string::npos);
  // A socketpair is no AF_PACKET socket: the endpoint reads with readv.
  o.packet_mmap_frames = 0;
  auto ep = testing::MustCreateEndpoint(o);
  EXPECT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kReadv);
  testing::RecordingDispatcher d;
  ep->Attach(&d);
  testing::Send(b.get(),
                testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1, 2, 50));
  EXPECT_TRUE(d.WaitForCount(1));
  ep->Attach(nullptr);
}

TEST_F(PacketMmapTest, ByteExactZeroCopyAndBadFramesCounted) {
  WithLink(*ns_, 1, [](const Link& l) {
    auto ep = testing::MustCreateEndpoint(MmapOptions(l));
    ASSERT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kPacketMmap);
    HoldingDispatcher d;
    ep->Attach(&d);
    const std::vector<uint8_t> good = UdpFrame(l.mac_b, 1000, 700);
    SendOn(l, UdpFrame(kOther, 1001, 100));    // Not for us.
    SendOn(l, UdpFrame(l.mac_b, 1002, 3000));  // Larger than a frame.
    SendOn(l, std::vector<uint8_t>(good.begin(), good.begin() + 14));
    SendOn(l, good);
    ASSERT_TRUE(d.WaitForCount(2));  // The header-only frame and `good`.
    std::vector<PacketBufferPtr> held = d.Take();
    ASSERT_EQ(held.size(), 2u);
    EXPECT_EQ(held[1]->ToBytes(), good);
    EXPECT_EQ(held[1]->network_protocol(), kIPv4ProtocolNumber);
    // Zero copy: the bytes lie in the ring, whose frames are external
    // chunks lent to the packet.
    const std::span<uint8_t> bytes = held[1]->Contiguous();
    ASSERT_EQ(bytes.size(), good.size());
    EXPECT_NE(MappingOf(bytes.data()).find("socket:["), std::string::npos)
        << MappingOf(bytes.data());
    const FdCounters c = ep->Counters(0);
    EXPECT_EQ(c.drops_of(DropReason::kNotForUs), 1u);
    EXPECT_EQ(c.drops_of(DropReason::kOversized), 1u);
    EXPECT_EQ(c.rx_packets, 4u);
    held.clear();
    ep->Attach(nullptr);
  });
}

TEST_F(PacketMmapTest, HeldPacketsOutliveDetachReattachAndEndpoint) {
  WithLink(*ns_, 1, [](const Link& l) {
    const size_t maps_before = MapsLines();
    auto ep = testing::MustCreateEndpoint(MmapOptions(l));
    HoldingDispatcher d1;
    ep->Attach(&d1);
    std::vector<std::vector<uint8_t>> sent;
    for (uint16_t i = 0; i < 8; ++i) {
      sent.push_back(UdpFrame(l.mac_b, 2000 + i, 100 + i));
      SendOn(l, sent.back());
    }
    ASSERT_TRUE(d1.WaitForCount(8));
    ep->Attach(nullptr);
    std::vector<PacketBufferPtr> first = d1.Take();
    EXPECT_GT(MapsLines(), maps_before);  // The ring is mapped.

    HoldingDispatcher d2;
    ep->Attach(&d2);  // Same ring: the kernel's order goes on.
    for (uint16_t i = 0; i < 8; ++i) {
      sent.push_back(UdpFrame(l.mac_b, 3000 + i, 300 + i));
      SendOn(l, sent.back());
    }
    ASSERT_TRUE(d2.WaitForCount(8));
    ep->Attach(nullptr);
    std::vector<PacketBufferPtr> second = d2.Take();
    ep.reset();  // The endpoint goes; the ring stays while frames are held.

    // Released from another thread, in reverse order: the last one frees
    // the ring, unmaps it and removes it from the socket.
    testing::ExpectHeldThenRelease(std::move(first), std::move(second), sent);

    // The socket receives through recv(2) again: a readv endpoint works.
    Options o = MmapOptions(l);
    o.dispatch_mode = PacketDispatchMode::kReadv;
    auto plain = testing::MustCreateEndpoint(o);
    ExpectFrameArrives(*plain, l, 4000);
  });
}

TEST_F(PacketMmapTest, RingRunsDryThenResumesWithoutSpinning) {
  WithLink(*ns_, 1, [](const Link& l) {
    auto ep = testing::MustCreateEndpoint(MmapOptions(l, 16));
    HoldingDispatcher d;
    ep->Attach(&d);
    // One frame held: the socket stays poll-readable, the loop must sleep.
    SendOn(l, UdpFrame(l.mac_b, 5000, 64));
    ASSERT_TRUE(d.WaitForCount(1));
    double cpu = CpuSeconds();
    std::this_thread::sleep_for(300ms);
    EXPECT_LT(CpuSeconds() - cpu, 0.1) << "the loop spins on a held frame";

    // Fill the ring (16 asked, rounded up to a whole block) and more.
    constexpr int kFlood = 200;
    for (int i = 0; i < kFlood; ++i)
      SendOn(l, UdpFrame(l.mac_b, static_cast<uint16_t>(6000 + i), 64));
    std::this_thread::sleep_for(200ms);
    const size_t got = d.Count();
    EXPECT_LT(got, static_cast<size_t>(kFlood));
    EXPECT_GE(ep->Counters(0).rx_ring_dry, 1u);
    cpu = CpuSeconds();
    std::this_thread::sleep_for(300ms);
    EXPECT_LT(CpuSeconds() - cpu, 0.1) << "the loop spins on a dry ring";
    EXPECT_EQ(d.Count(), got);

    // Released on another thread, out of order: traffic resumes, and the
    // kernel's drops are counted from PACKET_STATISTICS.
    std::vector<PacketBufferPtr> held = d.Take();
    std::thread([&] {
      for (size_t i = 0; i < held.size(); i += 2) held[i].reset();
      held.clear();
    }).join();
    for (int i = 0; i < 10; ++i)
      SendOn(l, UdpFrame(l.mac_b, static_cast<uint16_t>(7000 + i), 64));
    ASSERT_TRUE(d.WaitForCount(got + 10));
    EXPECT_GT(ep->Counters(0).rx_kernel_drops, 0u);
    d.Take().clear();
    ep->Attach(nullptr);
  });
}

TEST_F(PacketMmapTest, AttachCyclesLeaveTheMapsAlone) {
  WithLink(*ns_, 1, [](const Link& l) {
    auto ep = testing::MustCreateEndpoint(MmapOptions(l));
    testing::RecordingDispatcher d;
    ep->Attach(&d);  // A first cycle: thread stacks get cached.
    ep->Attach(nullptr);
    const size_t before = MapsLines();
    const size_t rings_before = MapsLines("socket:[");
    EXPECT_EQ(rings_before, 1u);  // The one ring, mapped once.
    for (int i = 0; i < 1000; ++i) {
      ep->Attach(&d);
      ep->Attach(nullptr);
    }
    EXPECT_EQ(MapsLines("socket:["), rings_before);
    if (!kSanitized) {
      // The ring is compared exactly. The rest may gain a bounded few lines
      // under load (glibc creates a malloc arena when threads contend, and
      // its thread-stack cache varies), while anything leaked per cycle
      // would add a thousand.
      EXPECT_LE(MapsLines(), before + 16);
    }
    ExpectFrameArrives(*ep, l, 8000);
  });
}

TEST_F(PacketMmapTest, InterfaceGoingDownEndsTheLoopAsInOtherModes) {
  WithLink(*ns_, 1, [](const Link& l) {
    std::atomic<int> closed{0};
    std::atomic<Errc> why{Errc::kWouldBlock};
    Options o = MmapOptions(l);
    o.closed_func = [&](const Error& e) {
      why.store(e.code);
      closed.fetch_add(1);
    };
    auto ep = testing::MustCreateEndpoint(o);
    testing::RecordingDispatcher d;
    ep->Attach(&d);
    ASSERT_TRUE(device::SetUp(l.b, false));
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (closed.load() == 0 && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(1ms);
    EXPECT_EQ(closed.load(), 1);
    EXPECT_EQ(why.load(), Errc::kIoError);
    ep->Attach(nullptr);
  });
}

TEST_F(PacketMmapTest, VirtioNetHeadersGiveJumboFramesAndArriveDecoded) {
  WithLink(*ns_, 1, [](const Link& l) {
    const int one = 1;
    const int fd = l.rx->fds[0].get();
    ASSERT_EQ(::setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)),
              0);
    Options o = MmapOptions(l);
    o.offload.vnet_header = true;
    o.offload.kernel_offloads = kPacketSocketOffloads;
    auto ep = testing::MustCreateEndpoint(o);
    ASSERT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kPacketMmap);
    // 64 KiB frames, kPacketMmapJumboFrames of them: a 3000-byte frame
    // (over the MTU, within the veth's) fits whole.
    HoldingDispatcher d;
    ep->Attach(&d);
    const std::vector<uint8_t> big = UdpFrame(l.mac_b, 1200, 3000);
    SendOn(l, big);
    ASSERT_TRUE(d.WaitForCount(1));
    std::vector<PacketBufferPtr> held = d.Take();
    ASSERT_EQ(held.size(), 1u);
    EXPECT_EQ(held[0]->ToBytes(), big);
    EXPECT_EQ(ep->Counters(0).total_drops(), 0u);
    held.clear();
    ep->Attach(nullptr);
  });
}

TEST_F(PacketMmapTest, FanoutSpreadsFlowsOverRings) {
  WithLink(*ns_, 3, [](const Link& l) {
    // Two processors per fd: frames are released on processor threads.
    Options o = MmapOptions(l);
    o.processors_per_channel = 2;
    auto ep = testing::MustCreateEndpoint(o);
    ASSERT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kPacketMmap);
    testing::RecordingDispatcher d;
    ep->Attach(&d);
    constexpr int kFlows = 64;
    for (int i = 0; i < kFlows; ++i)
      SendOn(l, UdpFrame(l.mac_b, static_cast<uint16_t>(9000 + i), 80));
    ASSERT_TRUE(d.WaitForCount(kFlows));
    ep->Attach(nullptr);
    EXPECT_EQ(d.Count(), static_cast<size_t>(kFlows));
    for (size_t i = 0; i < 3; ++i) EXPECT_GT(ep->Counters(i).rx_packets, 0u);
  });
}

}  // namespace
}  // namespace fdlink::fdbased
