// The write path on a TUN, in the readv mode (one writev per frame) and in
// the io_uring mode (a batch's frames as one linked chain of io_uring
// writes): the kernel in a private namespace routes what the endpoint
// writes to a UDP socket, which must read every datagram exactly once, in
// order and byte-exact — after a batch whose middle frame the kernel
// rejects, and with several threads writing at once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "e2e/e2e_util.h"
#include "fdlink/buffer/chunk.h"
#include "testing/dispatch_modes.h"
#include "testing/packets.h"

namespace fdlink::e2e {
namespace {

constexpr uint16_t kSinkPort = 9000;  // The kernel socket's port.

class TunWriteTest
    : public E2eTest,
      public ::testing::WithParamInterface<fdbased::PacketDispatchMode> {
 protected:
  // SetUpLink opens the TUN, binds the sink socket on the kernel's side and
  // creates the endpoint (not attached: nothing reads the TUN).
  void SetUpLink(const std::string& name) {
    ASSERT_TRUE(OpenDevice(name, false));
    Result<void> ran = ns_->Run([&] {
      sink_.reset(
          ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      ASSERT_TRUE(sink_.valid()) << std::strerror(errno);
      const int big = 8 << 20;
      ::setsockopt(sink_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
      const SockAddr at = MakeSockAddr("198.18.0.1", kSinkPort);
      ASSERT_EQ(::bind(sink_.get(), at.get(), at.len), 0)
          << std::strerror(errno);
    });
    ASSERT_TRUE(ran) << ran.error().ToString();
    fdbased::Options o;
    o.fds = tun_->borrowed_fds();
    o.dispatch_mode = GetParam();
    Result<std::unique_ptr<fdbased::Endpoint>> ep =
        fdbased::Endpoint::Create(std::move(o));
    ASSERT_TRUE(ep) << ep.error().ToString();
    ep_ = std::move(*ep);
  }

  // Datagram is an IPv4/UDP packet from the responder's address to the
  // sink, whose payload starts with `tag` (4 bytes, big-endian) and is
  // `size` bytes; with `broken`, its IP version nibble is 0, which the TUN
  // rejects with EINVAL.
  static PacketBufferPtr Datagram(uint32_t tag, size_t size,
                                  bool broken = false) {
    std::vector<uint8_t> b =
        testing::Ipv4Udp(kOurs4, "198.18.0.1", 5000, kSinkPort, size);
    for (int i = 0; i < 4; ++i)
      b[28 + i] = static_cast<uint8_t>(tag >> (24 - 8 * i));
    b[26] = b[27] = 0;  // No UDP checksum (IPv4 allows it).
    if (broken) b[0] = 0x05;
    return PacketBuffer::FromView(View::CopyOf(b));
  }

  // Expected is the payload Datagram(tag, size) carries.
  static std::vector<uint8_t> Expected(uint32_t tag, size_t size) {
    std::vector<uint8_t> b =
        testing::Ipv4Udp(kOurs4, "198.18.0.1", 5000, kSinkPort, size);
    for (int i = 0; i < 4; ++i)
      b[28 + i] = static_cast<uint8_t>(tag >> (24 - 8 * i));
    return std::vector<uint8_t>(b.begin() + 28, b.end());
  }

  // Receive reads one datagram from the sink, waiting up to `wait`; empty
  // when none came.
  std::vector<uint8_t> Receive(std::chrono::milliseconds wait = 2s) {
    pollfd p{sink_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return {};
    std::vector<uint8_t> buf(2048);
    const ssize_t n = ::recv(sink_.get(), buf.data(), buf.size(), 0);
    if (n < 0) return {};
    buf.resize(static_cast<size_t>(n));
    return buf;
  }

  bool IoUring() const {
    return GetParam() == fdbased::PacketDispatchMode::kIoUring;
  }

  UniqueFd sink_;
};

size_t SizeOf(uint32_t i) { return 8 + (i * 37) % 1300; }

TEST_P(TunWriteTest, EveryDatagramArrivesOnceInOrderByteExact) {
  SetUpLink("fdtxw0");
  if (HasFatalFailure()) return;
  // 200 packets in one call: five batches (kBatchSize is 47).
  std::vector<PacketBufferPtr> pkts;
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < 200; ++i) {
    pkts.push_back(Datagram(i, SizeOf(i)));
    bytes += pkts.back()->Size();
  }
  Result<size_t> n = ep_->WritePackets(pkts);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 200u);
  for (uint32_t i = 0; i < 200; ++i) {
    ASSERT_EQ(Receive(), Expected(i, SizeOf(i))) << "datagram " << i;
  }
  EXPECT_TRUE(Receive(100ms).empty()) << "a datagram arrived twice";
  const fdbased::FdCounters c = ep_->Counters(0);
  EXPECT_EQ(c.tx_packets, 200u);
  EXPECT_EQ(c.tx_bytes, bytes);
  EXPECT_EQ(c.tx_errors, 0u);
  if (IoUring()) {
    EXPECT_EQ(c.tx_uring_batches, 5u);
  } else {
    EXPECT_EQ(c.tx_uring_batches, 0u);
  }
}

TEST_P(TunWriteTest, FrameTheKernelRejectsStopsTheBatchThere) {
  SetUpLink("fdtxw1");
  if (HasFatalFailure()) return;
  // Frames 0-2 are fine, 3 is rejected (EINVAL), 4-9 are fine: exactly
  // 0-2 are written, and nothing after the rejected one.
  std::vector<PacketBufferPtr> pkts;
  for (uint32_t i = 0; i < 10; ++i) pkts.push_back(Datagram(i, 100, i == 3));
  Result<size_t> n = ep_->WritePackets(pkts);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_EQ(Receive(), Expected(i, 100)) << "datagram " << i;
  }
  EXPECT_TRUE(Receive(200ms).empty()) << "a frame after the rejected one";
  EXPECT_EQ(ep_->Counters(0).tx_packets, 3u);
  EXPECT_EQ(ep_->Counters(0).tx_errors, 1u);

  // Retried from the rejected frame: it alone fails, with nothing written.
  n = ep_->WritePackets(std::span(pkts).subspan(3));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().sys_errno, EINVAL) << n.error().ToString();
  EXPECT_EQ(ep_->Counters(0).tx_errors, 2u);
  EXPECT_TRUE(Receive(200ms).empty());
  // Past it, the rest go out once, in order.
  n = ep_->WritePackets(std::span(pkts).subspan(4));
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 6u);
  for (uint32_t i = 4; i < 10; ++i) {
    ASSERT_EQ(Receive(), Expected(i, 100)) << "datagram " << i;
  }
  EXPECT_TRUE(Receive(100ms).empty());
  EXPECT_EQ(ep_->Counters(0).tx_packets, 9u);
}

TEST_P(TunWriteTest, ThreadsWritingAtOnceLoseReorderAndDuplicateNothing) {
  SetUpLink("fdtxw2");
  if (HasFatalFailure()) return;
  // More threads than an fd has rings: some batches find every ring taken
  // and go out one writev per frame; none waits for another's submission.
  constexpr uint32_t kThreads = 6, kBatches = 40, kPer = 8;
  std::vector<std::thread> threads;
  std::atomic<uint64_t> written{0};
  for (uint32_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<PacketBufferPtr> pkts;
      for (uint32_t b = 0; b < kBatches; ++b) {
        pkts.clear();
        for (uint32_t k = 0; k < kPer; ++k) {
          pkts.push_back(Datagram(t << 16 | (b * kPer + k), 64));
        }
        size_t done = 0;
        while (done < pkts.size()) {
          Result<size_t> n = ep_->WritePackets(std::span(pkts).subspan(done));
          if (!n) {
            ADD_FAILURE() << n.error().ToString();
            return;
          }
          done += *n;
        }
        written.fetch_add(done);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  ASSERT_EQ(written.load(), uint64_t{kThreads} * kBatches * kPer);
  std::vector<uint32_t> next(kThreads, 0);
  for (uint64_t i = 0; i < written.load(); ++i) {
    std::vector<uint8_t> got = Receive();
    ASSERT_EQ(got.size(), 64u) << "datagram " << i;
    const uint32_t tag = uint32_t{got[0]} << 24 | uint32_t{got[1]} << 16 |
                         uint32_t{got[2]} << 8 | got[3];
    const uint32_t t = tag >> 16;
    ASSERT_LT(t, kThreads);
    // One thread's writes are one after another: its datagrams in order.
    ASSERT_EQ(tag & 0xffff, next[t]) << "thread " << t;
    ASSERT_EQ(got, Expected(tag, 64));
    ++next[t];
  }
  EXPECT_TRUE(Receive(100ms).empty()) << "a datagram arrived twice";
  const fdbased::FdCounters c = ep_->Counters(0);
  EXPECT_EQ(c.tx_packets, written.load());
  EXPECT_EQ(c.tx_errors, 0u);
  if (IoUring()) {
    EXPECT_GT(c.tx_uring_batches, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, TunWriteTest,
                         testing::ModesOf(testing::FdKind::kNonSocket),
                         testing::ModeParamName);

}  // namespace
}  // namespace fdlink::e2e
