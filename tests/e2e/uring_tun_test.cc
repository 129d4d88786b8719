// The io_uring dispatch mode on a TUN device (multishot read, opcode 49)
// with the kernel as the sender: held packets outlive detach, re-attach,
// the endpoint and the device; a dry buffer ring neither spins nor stalls;
// attach cycles leave no mapping or descriptor behind.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "e2e/e2e_util.h"
#include "fdlink/buffer/packet_buffer.h"
#include "testing/endpoints.h"
#include "testing/holding.h"

namespace fdlink::e2e {
namespace {

using namespace std::chrono_literals;
using testing::HoldingDispatcher;

constexpr uint16_t kSinkPort = 9;

class E2eUringTunTest : public E2eTest {
 protected:
  // StartUring creates ep_ over tun_ in io_uring mode with `buffers`
  // provided buffers and attaches `d`.
  void StartUring(NetworkDispatcher* d, size_t buffers) {
    fdbased::Options o;
    o.fds = tun_->borrowed_fds();
    o.dispatch_mode = fdbased::PacketDispatchMode::kIoUring;
    o.io_uring_buffers = buffers;
    o.processors_per_channel = 1;
    ep_ = testing::MustCreateEndpoint(o);
    ASSERT_EQ(ep_->DispatchModeInUse(), fdbased::PacketDispatchMode::kIoUring)
        << ep_->DispatchModeFallback();
    ep_->Attach(d);
  }
  // SendDatagrams sends `n` datagrams from the namespace to kOurs4, payload
  // i's first byte i + first.
  void SendDatagrams(int n, int first = 0) {
    for (int i = 0; i < n; ++i) {
      const std::vector<uint8_t> payload(32, static_cast<uint8_t>(first + i));
      ASSERT_EQ(::sendto(sock_.get(), payload.data(), payload.size(), 0,
                         to_.get(), to_.len),
                static_cast<ssize_t>(payload.size()))
          << std::strerror(errno);
    }
  }
  void OpenSender() {
    sock_ = OpenUdpIn(*ns_, AF_INET);
    to_ = MakeSockAddr(kOurs4, kSinkPort);
  }

  // Held outlives TearDown's detach.
  HoldingDispatcher held_;
  UniqueFd sock_;
  SockAddr to_;
};

// Payloads lists the first payload byte of each of `pkts` that is one of
// SendDatagrams' (the kernel also sends IPv6 neighbour discovery and MLD
// on a new link).
std::vector<int> Payloads(const std::vector<PacketBufferPtr>& pkts) {
  std::vector<int> out;
  for (const PacketBufferPtr& p : pkts) {
    const std::vector<uint8_t> b = p->ToBytes();
    if (b.size() == 20 + 8 + 32 && (b[0] >> 4) == 4 && b[9] == 17 &&
        b[22] == 0 && b[23] == kSinkPort) {
      out.push_back(b[28]);
    }
  }
  return out;
}

// Collect takes packets from `d` into *acc until `n` of SendDatagrams'
// are among them or 5 s pass; returns their payload bytes.
std::vector<int> Collect(HoldingDispatcher& d, size_t n,
                         std::vector<PacketBufferPtr>* acc) {
  const auto end = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    for (PacketBufferPtr& p : d.Take()) acc->push_back(std::move(p));
    std::vector<int> got = Payloads(*acc);
    if (got.size() >= n || std::chrono::steady_clock::now() > end) return got;
    std::this_thread::sleep_for(2ms);
  }
}

TEST_F(E2eUringTunTest, HeldPacketsOutliveDetachReattachEndpointAndDevice) {
  ASSERT_TRUE(OpenDevice("fdeurx0", false));
  OpenSender();
  StartUring(&held_, 0);
  if (HasFatalFailure()) return;
  SendDatagrams(8);
  std::vector<PacketBufferPtr> first;
  ASSERT_EQ(Collect(held_, 8, &first).size(), 8u);
  ep_->Attach(nullptr);

  HoldingDispatcher second_d;
  ep_->Attach(&second_d);
  SendDatagrams(8, 8);
  std::vector<PacketBufferPtr> second;
  ASSERT_EQ(Collect(second_d, 8, &second).size(), 8u);
  ep_->Attach(nullptr);
  ep_.reset();
  tun_.reset();  // The device and its fds go too.

  std::vector<int> got = Payloads(first);
  const std::vector<int> more = Payloads(second);
  got.insert(got.end(), more.begin(), more.end());
  std::vector<int> want;
  for (int i = 0; i < 16; ++i) want.push_back(i);
  EXPECT_EQ(got, want);
  // Released on another thread, in reverse order; the last frees the ring
  // and unmaps its buffers (ASan would report a touch after that).
  std::thread([&] {
    while (!second.empty()) second.pop_back();
    while (!first.empty()) first.pop_back();
  }).join();
  EXPECT_EQ(Chunk::LiveCount(), 0);
}

TEST_F(E2eUringTunTest, DryRingNeitherSpinsNorStallsAndResumes) {
  ASSERT_TRUE(OpenDevice("fdeurx1", false));
  OpenSender();
  StartUring(&held_, 16);
  if (HasFatalFailure()) return;
  constexpr int kFlood = 40;
  // Sixteen buffers: let the kernel's own first packets (IPv6 neighbour
  // discovery, MLD) come and go first.
  std::this_thread::sleep_for(300ms);
  held_.Take().clear();
  SendDatagrams(kFlood);
  ASSERT_TRUE(held_.WaitForCount(16));
  std::this_thread::sleep_for(200ms);
  const size_t held_count = held_.Count();
  EXPECT_GE(ep_->Counters(0).rx_ring_dry, 1u);
  const double cpu = testing::CpuSeconds();
  std::this_thread::sleep_for(300ms);
  EXPECT_LT(testing::CpuSeconds() - cpu, 0.1) << "the loop spins when dry";
  EXPECT_EQ(held_.Count(), held_count) << "nothing arrives while all held";

  // Released on another thread, out of order: the rest arrive, in order.
  std::vector<PacketBufferPtr> all = held_.Take();
  std::vector<int> got = Payloads(all);
  EXPECT_LE(got.size(), 16u);
  std::thread([&] {
    for (size_t i = 0; i < all.size(); i += 2) all[i].reset();
    all.clear();
  }).join();
  // Each batch is released as soon as it is seen.
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (got.size() < kFlood && std::chrono::steady_clock::now() < end) {
    const std::vector<int> more = Payloads(held_.Take());
    got.insert(got.end(), more.begin(), more.end());
    std::this_thread::sleep_for(2ms);
  }
  std::vector<int> want;
  for (int i = 0; i < kFlood; ++i) want.push_back(i);
  EXPECT_EQ(got, want);
  ep_->Attach(nullptr);
  held_.Take().clear();
}

TEST_F(E2eUringTunTest, AttachCyclesLeaveMapsAndFdsAlone) {
  ASSERT_TRUE(OpenDevice("fdeurx2", false));
  OpenSender();
  StartUring(&held_, 0);
  if (HasFatalFailure()) return;
  ep_->Attach(nullptr);  // A first cycle: thread stacks get cached.
  const size_t maps_before = testing::MapsLines();
  const size_t fds_before = testing::OpenFds();
  for (int i = 0; i < 1000; ++i) {
    ep_->Attach(&held_);
    ep_->Attach(nullptr);
  }
  EXPECT_EQ(testing::OpenFds(), fds_before);
  if (!testing::kSanitized) {
    // The ring is set up once, in Create; glibc may add a bounded few
    // lines under load, while a leak per cycle would add a thousand.
    EXPECT_LE(testing::MapsLines(), maps_before + 16);
  }
  held_.Take().clear();
  ep_->Attach(&held_);
  SendDatagrams(1, 77);
  std::vector<PacketBufferPtr> acc;
  const std::vector<int> got = Collect(held_, 1, &acc);
  EXPECT_EQ(got, std::vector<int>{77});
  ep_->Attach(nullptr);
}

}  // namespace
}  // namespace fdlink::e2e
