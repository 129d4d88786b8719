// The io_uring dispatch mode's receive side on socketpairs (multishot
// recv): frames arrive byte-exact from the provided buffers, bad ones are
// dropped and counted, held packets outlive detach, re-attach and the
// endpoint, a dry buffer ring neither spins nor stalls, attach cycles leave
// no mapping or descriptor behind, and a kernel without what the mode
// needs makes the endpoint fall back to readv, saying why.
#include "link/fdbased/uring_rx.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "link/fdbased/uring_probe.h"
#include "testing/dispatcher.h"
#include "testing/endpoints.h"
#include "testing/holding.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using namespace std::chrono_literals;
using testing::CpuSeconds;
using testing::HoldingDispatcher;
using testing::kSanitized;
using testing::MapsLines;
using testing::OpenFds;

Options UringOptions(const testing::SocketPairs& p, size_t buffers = 0) {
  Options o;
  o.fds = p.ours();
  o.dispatch_mode = PacketDispatchMode::kIoUring;
  o.io_uring_buffers = buffers;
  o.processors_per_channel = 1;
  return o;
}

std::vector<uint8_t> Udp(uint16_t sport, size_t len) {
  return testing::Ipv4Udp("198.18.0.1", "198.18.0.2", sport, 7, len);
}

// SupportScope replaces the kernel's io_uring answer for its lifetime.
class SupportScope {
 public:
  explicit SupportScope(const sys::UringSupport& s) : s_(s) {
    SetUringSupportForTesting(&s_);
  }
  ~SupportScope() { SetUringSupportForTesting(nullptr); }

 private:
  const sys::UringSupport s_;
};

sys::UringSupport Everything() {
  sys::UringSupport s;
  s.ring = s.writev = s.poll = s.cancel = s.recv = s.read_multishot = true;
  return s;
}

TEST(UringProbe, NamesTheMissingKernelFeature) {
  const sys::KernelVersion k618{6, 18};
  EXPECT_EQ(UringRxMissing(Everything(), k618, true, true), nullptr);
  sys::UringSupport s = Everything();
  s.read_multishot = false;
  EXPECT_EQ(UringRxMissing(s, k618, false, true), nullptr)
      << "sockets need no multishot read";
  EXPECT_NE(std::string(UringRxMissing(s, k618, true, false))
                .find("IORING_OP_READ_MULTISHOT (Linux 6.7)"),
            std::string::npos);
  EXPECT_NE(std::string(UringRxMissing(Everything(), {5, 19}, false, true))
                .find("multishot recv (Linux 6.0)"),
            std::string::npos);
  s = Everything();
  s.ring = false;
  EXPECT_NE(
      std::string(UringRxMissing(s, k618, true, true)).find("io_uring_setup"),
      std::string::npos);
}

TEST(UringOptions, BufferCountValidated) {
  testing::SocketPairs p(1);
  for (size_t bad : {size_t{8}, size_t{100}, size_t{65536}}) {
    Result<std::unique_ptr<Endpoint>> ep =
        Endpoint::Create(UringOptions(p, bad));
    ASSERT_FALSE(ep) << bad;
    EXPECT_EQ(ep.error().code, Errc::kInvalidArgument);
    EXPECT_NE(std::string(ep.error().what).find("io_uring_buffers"),
              std::string::npos);
  }
  Result<PacketDispatchMode> m = ParseDispatchMode("io_uring");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, PacketDispatchMode::kIoUring);
}

TEST(UringFallback, MissingKernelFeatureFallsBackToReadvAndSaysWhy) {
  sys::UringSupport s = Everything();
  s.recv = false;
  const SupportScope scope(s);
  testing::SocketPairs p(1);
  auto ep = testing::MustCreateEndpoint(UringOptions(p));
  EXPECT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kReadv);
  EXPECT_EQ(ep->DispatchModeFallback(),
            "io_uring: the kernel has no multishot recv (Linux 6.0) for a "
            "socket fd");
  // The fallback is the readv mode, and it serves.
  testing::RecordingDispatcher d;
  ep->Attach(&d);
  const std::vector<uint8_t> f = Udp(1, 80);
  testing::Send(p.peers[0].get(), f);
  ASSERT_TRUE(d.WaitForCount(1));
  EXPECT_EQ(d.Packets()[0].bytes, f);
  ep->Attach(nullptr);
}

class UringSocketTest : public ::testing::TestWithParam<int> {};

TEST_P(UringSocketTest, ByteExactFromTheRingAndBadFramesCounted) {
  testing::SocketPairs p(1, GetParam());
  auto ep = testing::MustCreateEndpoint(UringOptions(p));
  ASSERT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kIoUring)
      << ep->DispatchModeFallback();
  EXPECT_EQ(ep->DispatchModeFallback(), "");
  HoldingDispatcher d;
  ep->Attach(&d);
  const std::vector<uint8_t> good = Udp(1000, 700);
  // Larger than a buffer (MTU 1500, rounded up to 1536): cut short by the
  // kernel, seen through MSG_TRUNC, dropped as oversized.
  testing::Send(p.peers[0].get(), Udp(1001, 3000));
  testing::Send(p.peers[0].get(), good);
  ASSERT_TRUE(d.WaitForCount(1));
  std::vector<PacketBufferPtr> held = d.Take();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0]->ToBytes(), good);
  // Zero copy: the packet's bytes lie in an anonymous mapping (the ring's
  // buffers), not in the chunk pool's heap.
  const std::span<uint8_t> bytes = held[0]->Contiguous();
  ASSERT_EQ(bytes.size(), good.size());
  const FdCounters c = ep->Counters(0);
  EXPECT_EQ(c.drops_of(DropReason::kOversized), 1u);
  EXPECT_EQ(c.rx_packets, 2u);
  EXPECT_EQ(c.rx_errors, 0u);
  held.clear();
  ep->Attach(nullptr);
}

TEST_P(UringSocketTest, ManyPacketsInOrderAcrossBufferReuse) {
  testing::SocketPairs p(1, GetParam());
  auto ep = testing::MustCreateEndpoint(UringOptions(p, 16));
  ASSERT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kIoUring);
  testing::RecordingDispatcher d;
  ep->Attach(&d);
  // Sixteen buffers, 300 packets: every buffer goes round many times.
  std::vector<std::vector<uint8_t>> sent;
  for (uint16_t i = 0; i < 300; ++i) {
    sent.push_back(Udp(i, 60 + i % 200));
    testing::Send(p.peers[0].get(), sent.back());
    if (i % 8 == 7) {
      ASSERT_TRUE(d.WaitForCount(i + 1u));
    }
  }
  ASSERT_TRUE(d.WaitForCount(sent.size()));
  ep->Attach(nullptr);
  const std::vector<testing::Received> got = d.Packets();
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(got[i].bytes, sent[i]);
}

INSTANTIATE_TEST_SUITE_P(Types, UringSocketTest,
                         ::testing::Values(SOCK_SEQPACKET, SOCK_DGRAM),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(
                               i.param == SOCK_DGRAM ? "Dgram" : "SeqPacket");
                         });

TEST(UringSocket, PeerClosingEndsTheLoopOnce) {
  testing::SocketPairs p(1, SOCK_SEQPACKET);
  std::atomic<int> closed{0};
  std::atomic<Errc> why{Errc::kWouldBlock};
  Options o = UringOptions(p);
  o.closed_func = [&](const Error& e) {
    why.store(e.code);
    closed.fetch_add(1);
  };
  auto ep = testing::MustCreateEndpoint(o);
  ASSERT_EQ(ep->DispatchModeInUse(), PacketDispatchMode::kIoUring);
  testing::RecordingDispatcher d;
  ep->Attach(&d);
  testing::Send(p.peers[0].get(), Udp(1, 64));
  ASSERT_TRUE(d.WaitForCount(1));
  p.peers[0].reset();
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (closed.load() == 0 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(closed.load(), 1);
  EXPECT_EQ(why.load(), Errc::kPeerClosed);
  ep->Attach(nullptr);
}

TEST(UringSocket, HeldPacketsOutliveDetachReattachAndEndpoint) {
  testing::SocketPairs p(1);
  auto ep = testing::MustCreateEndpoint(UringOptions(p));
  HoldingDispatcher d1;
  ep->Attach(&d1);
  std::vector<std::vector<uint8_t>> sent;
  for (uint16_t i = 0; i < 8; ++i) {
    sent.push_back(Udp(2000 + i, 100 + i));
    testing::Send(p.peers[0].get(), sent.back());
  }
  ASSERT_TRUE(d1.WaitForCount(8));
  ep->Attach(nullptr);
  std::vector<PacketBufferPtr> first = d1.Take();

  HoldingDispatcher d2;
  ep->Attach(&d2);  // The same ring, re-armed by the new loop.
  for (uint16_t i = 0; i < 8; ++i) {
    sent.push_back(Udp(3000 + i, 300 + i));
    testing::Send(p.peers[0].get(), sent.back());
  }
  ASSERT_TRUE(d2.WaitForCount(8));
  ep->Attach(nullptr);
  std::vector<PacketBufferPtr> second = d2.Take();
  ep.reset();      // The endpoint goes; the ring stays while buffers are held.
  p.ends.clear();  // And so does the fd it read.

  // Released on another thread, in reverse order: the last one frees the
  // ring and unmaps its buffers.
  testing::ExpectHeldThenRelease(std::move(first), std::move(second), sent);
}

TEST(UringSocket, RingRunsDryThenResumesWithoutSpinning) {
  testing::SocketPairs p(1);
  auto ep = testing::MustCreateEndpoint(UringOptions(p, 16));
  HoldingDispatcher d;
  ep->Attach(&d);
  constexpr int kFlood = 40;
  for (int i = 0; i < kFlood; ++i)
    testing::Send(p.peers[0].get(), Udp(static_cast<uint16_t>(6000 + i), 64));
  ASSERT_TRUE(d.WaitForCount(16));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(d.Count(), 16u) << "sixteen buffers, all held";
  EXPECT_GE(ep->Counters(0).rx_ring_dry, 1u);
  const double cpu = CpuSeconds();
  std::this_thread::sleep_for(300ms);
  EXPECT_LT(CpuSeconds() - cpu, 0.1) << "the loop spins on a dry ring";
  EXPECT_EQ(d.Count(), 16u);

  // Released on another thread, out of order: sixteen more arrive (and
  // are held: the ring is dry again), then, released again, the rest, all
  // in order.
  std::vector<PacketBufferPtr> all = d.Take();
  for (int round = 0; round < 2; ++round) {
    std::vector<PacketBufferPtr> held = std::move(all);
    std::thread([&] {
      for (size_t i = 0; i < held.size(); i += 2) held[i].reset();
      held.clear();
    }).join();
    ASSERT_TRUE(d.WaitForCount(round == 0 ? 32 : kFlood));
    all = d.Take();
    EXPECT_EQ(all[0]->ToBytes(),
              Udp(static_cast<uint16_t>(6016 + 16 * round), 64));
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kFlood - 32));
  EXPECT_EQ(all.back()->ToBytes(), Udp(6000 + kFlood - 1, 64));
  EXPECT_GE(ep->Counters(0).rx_ring_dry, 2u);
  all.clear();
  ep->Attach(nullptr);
}

TEST(UringSocket, AttachCyclesLeaveMapsAndFdsAlone) {
  testing::SocketPairs p(1);
  auto ep = testing::MustCreateEndpoint(UringOptions(p));
  testing::RecordingDispatcher d;
  ep->Attach(&d);  // A first cycle: thread stacks get cached.
  ep->Attach(nullptr);
  const size_t maps_before = MapsLines();
  const size_t fds_before = OpenFds();
  for (int i = 0; i < 1000; ++i) {
    ep->Attach(&d);
    if (i % 100 == 0) {
      const std::vector<uint8_t> f = Udp(static_cast<uint16_t>(i), 64);
      testing::Send(p.peers[0].get(), f);
      ASSERT_TRUE(d.WaitForCount(i / 100 + 1u));
    }
    ep->Attach(nullptr);
  }
  EXPECT_EQ(OpenFds(), fds_before);
  if (!kSanitized) {
    // The rings are set up once, in Create; glibc may add a bounded few
    // lines under load (arenas, its thread-stack cache), while anything
    // leaked per cycle would add a thousand.
    EXPECT_LE(MapsLines(), maps_before + 16);
  }
  ep->Attach(&d);
  const std::vector<uint8_t> f = Udp(9999, 64);
  testing::Send(p.peers[0].get(), f);
  ASSERT_TRUE(d.WaitForCount(11));
  EXPECT_EQ(d.Packets().back().bytes, f);
  ep->Attach(nullptr);
}

}  // namespace
}  // namespace fdlink::fdbased
