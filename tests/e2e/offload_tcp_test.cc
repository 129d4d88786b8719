// The kernel as the peer, TCP with offloads both ways, over a TUN with a
// virtio-net header: the test holds a real connection with a kernel socket
// by hand (testing::TcpPeer crafts the handshake on the TUN fd before the
// endpoint starts). fdlink writes TCP super-packets and runs of MSS-sized
// segments into the kernel, whose accepted socket must read every byte in
// order; and a kernel socket sending with TSO hands fdlink TCP super-packets
// with the right metadata (or, to a dispatcher that does not take them,
// wire segments split in software).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>
#include <tuple>
#include <vector>

#include "e2e/offload_util.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/tcp.h"
#include "fdlink/offload/offload_bits.h"
#include "testing/tcp_peer.h"

namespace fdlink::e2e {
namespace {

using testing::TcpPeer;
namespace flag = header::tcp_flag;

constexpr uint16_t kKernelPort = 8080;  // The kernel's listening port.
constexpr uint16_t kOurPort = 40000;    // The port the test's peer uses.
constexpr uint16_t kMss = 1400;

header::Ipv4Address Ip(const char* text) {
  return header::Ipv4Address::Parse(text).value();
}
// kKernelIp is kKernel4 without its prefix.
const char kKernelIp[] = "198.18.0.1";

// ListenIn opens a kernel TCP socket listening on kKernelIp:kKernelPort
// inside ns.
UniqueFd ListenIn(const device::NetNs& ns) {
  UniqueFd s;
  Result<void> ran = ns.Run([&] {
    s.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(s.valid()) << std::strerror(errno);
    const int one = 1;
    ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const SockAddr at = MakeSockAddr(kKernelIp, kKernelPort);
    ASSERT_EQ(::bind(s.get(), at.get(), at.len), 0) << std::strerror(errno);
    ASSERT_EQ(::listen(s.get(), 4), 0) << std::strerror(errno);
  });
  EXPECT_TRUE(ran) << ran.error().ToString();
  return s;
}

// ReadExactly reads `n` bytes from blocking socket fd (with a 5 s receive
// timeout), or fewer when the stream stops.
std::vector<uint8_t> ReadExactly(int fd, size_t n) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::vector<uint8_t> out(n);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

// OffloadTcpOutTest's parameters: GSO on or off, and the dispatch mode
// (readv: one writev per frame; io_uring: the frames as one chain of
// io_uring writes).
class OffloadTcpOutTest : public OffloadE2eTest,
                          public ::testing::WithParamInterface<
                              std::tuple<bool, fdbased::PacketDispatchMode>> {};

// fdlink writes into a kernel TCP socket: super-packets (GSO metadata,
// partial checksum) and runs of MSS-sized segments (which the endpoint may
// coalesce); with GSO off, the same is split in software.
TEST_P(OffloadTcpOutTest, KernelSocketReadsEveryByteInOrder) {
  const auto [gso, mode] = GetParam();
  ASSERT_TRUE(OpenOffloadedTun("fdlofft0"));
  const UniqueFd listener = ListenIn(*ns_);
  if (HasFatalFailure()) return;
  TcpPeer peer(tun_->fds()[0].get(), true, Ip(kOurs4), kOurPort, Ip(kKernelIp),
               kKernelPort);
  ASSERT_TRUE(peer.Connect(kMss, 5s));
  const UniqueFd conn(
      ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(conn.valid()) << std::strerror(errno);

  // From here the endpoint owns the fd's reads (the kernel's ACKs go to a
  // dispatcher that just counts them).
  fdbased::Options o = VnetEndpointOptions();
  o.offload.gso = gso;
  o.dispatch_mode = mode;
  ASSERT_TRUE(StartRecorder(false, std::move(o)));

  // Two super-packets, 14 and 9.5 segments' worth (a short tail).
  const std::vector<uint8_t> data = Payload(kMss * 14 + kMss * 19 / 2, 21);
  const std::span<const uint8_t> all(data);
  std::vector<PacketBufferPtr> supers;
  supers.push_back(testing::OutboundPacket(
      peer.Data(all.first(kMss * 14), 0, true), testing::TcpGso(kMss)));
  supers.push_back(testing::OutboundPacket(
      peer.Data(all.subspan(kMss * 14), flag::kPsh, true),
      testing::TcpGso(kMss)));
  Result<size_t> wrote = ep_->WritePackets(supers);
  ASSERT_TRUE(wrote) << wrote.error().ToString();
  EXPECT_EQ(*wrote, supers.size());
  EXPECT_EQ(ReadExactly(conn.get(), data.size()), data);

  // A run of 16 MSS-sized wire segments of one flow, full checksums, the
  // last with PSH: one WritePackets call.
  const std::vector<uint8_t> run = Payload(kMss * 16, 22);
  std::vector<PacketBufferPtr> wire;
  for (int i = 0; i < 16; ++i) {
    wire.push_back(testing::OutboundPacket(
        peer.Data(std::span<const uint8_t>(run).subspan(i * kMss, kMss),
                  i == 15 ? flag::kPsh : 0)));
  }
  wrote = ep_->WritePackets(wire);
  ASSERT_TRUE(wrote) << wrote.error().ToString();
  EXPECT_EQ(*wrote, wire.size());
  EXPECT_EQ(ReadExactly(conn.get(), run.size()), run);

  ep_->Attach(nullptr);
  const fdbased::FdCounters c = ep_->TotalCounters();
  EXPECT_EQ(c.tx_errors, 0u);
  EXPECT_EQ(c.tx_oversized, 0u);
  EXPECT_EQ(c.tx_gso_fallbacks, 0u);
  EXPECT_EQ(c.tx_coalesce_fallbacks, 0u);
  if (mode == fdbased::PacketDispatchMode::kIoUring) {
    EXPECT_GE(c.tx_uring_batches, 1u);  // At least the two super-packets.
  } else {
    EXPECT_EQ(c.tx_uring_batches, 0u);
  }
  if (gso) {
    // The super-packets went whole; the run was coalesced.
    EXPECT_EQ(c.tx_split, 0u);
    EXPECT_GT(c.tx_coalesced, 1u);
  } else {
    EXPECT_EQ(c.tx_split, 2u);
    EXPECT_EQ(c.tx_coalesced, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kernel, OffloadTcpOutTest,
    ::testing::Combine(
        ::testing::Bool(),
        ::testing::Values(fdbased::PacketDispatchMode::kReadv,
                          fdbased::PacketDispatchMode::kIoUring)),
    [](const auto& info) {
      const bool uring =
          std::get<1>(info.param) == fdbased::PacketDispatchMode::kIoUring;
      return std::string(std::get<0>(info.param) ? "Gso" : "NoGso") +
             (uring ? "IoUring" : "Readv");
    });

class OffloadTcpInTest : public OffloadE2eTest,
                         public ::testing::WithParamInterface<bool> {};

// A kernel socket connect()s to an address routed into the TUN; the test
// answers the handshake (MSS kMss, a large window), then ACKs what fdlink
// receives through the endpoint until the kernel has sent everything.
TEST_P(OffloadTcpInTest, KernelTsoArrivesAsTcpSuperPackets) {
  const bool super = GetParam();
  ASSERT_TRUE(OpenOffloadedTun("fdloffi0"));
  ASSERT_NE(tun_->offloads() & offload::kTunFTso4, 0u);
  UniqueFd client;
  Result<void> ran = ns_->Run([&] {
    client.reset(
        ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  });
  ASSERT_TRUE(ran && client.valid());
  const SockAddr to = MakeSockAddr(kOurs4, kOurPort);
  ASSERT_EQ(::connect(client.get(), to.get(), to.len), -1);
  ASSERT_EQ(errno, EINPROGRESS) << std::strerror(errno);
  TcpPeer peer(tun_->fds()[0].get(), true, Ip(kOurs4), kOurPort, Ip(kKernelIp),
               0);
  ASSERT_TRUE(peer.Accept(kMss, 5s));
  const uint32_t isn = peer.rcv_nxt();

  ASSERT_TRUE(StartRecorder(super, VnetEndpointOptions()));
  GsoRecorder& rec = *rec_;

  const std::vector<uint8_t> data = Payload(200000, 31);
  size_t sent = 0;
  std::vector<uint8_t> stream;
  uint32_t acked = isn;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (stream.size() < data.size() &&
         std::chrono::steady_clock::now() < deadline) {
    if (sent < data.size()) {
      const ssize_t n = ::send(client.get(), data.data() + sent,
                               data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    stream = TcpStream(rec.Packets(), isn);
    const uint32_t ack = isn + static_cast<uint32_t>(stream.size());
    if (ack != acked) {
      acked = ack;
      PacketBufferPtr a = testing::OutboundPacket(peer.Ack(ack));
      Result<size_t> w =
          ep_->WritePackets(std::span<const PacketBufferPtr>(&a, 1));
      ASSERT_TRUE(w) << w.error().ToString();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ep_->Attach(nullptr);
  ASSERT_EQ(stream.size(), data.size());
  EXPECT_EQ(stream, data);

  size_t supers = 0;
  for (const GsoPacket& p : rec.Packets()) {
    std::optional<testing::TcpSegment> seg = testing::ParseTcpSegment(p.bytes);
    if (!seg || seg->payload_size == 0) continue;
    if (p.gso.type == GSOType::kNone) {
      EXPECT_LE(seg->payload_size, kMss);
      header::Ipv4 ip{std::span<const uint8_t>(p.bytes)};
      EXPECT_TRUE(ip.IsChecksumValid());
      EXPECT_TRUE(header::VerifyTcpChecksum(
          ip.src(), ip.dst(),
          std::span<const uint8_t>(p.bytes).subspan(ip.header_length())));
      continue;
    }
    ++supers;
    EXPECT_TRUE(super) << "a super-packet reached a split dispatcher";
    EXPECT_EQ(p.gso.type, GSOType::kTCPv4);
    EXPECT_EQ(p.gso.mss, kMss);
    EXPECT_EQ(p.gso.l3_header_len, 20);
    EXPECT_EQ(p.gso.l4_header_len, seg->payload_offset - 20);
    EXPECT_GT(seg->payload_size, kMss);
  }
  if (super) {
    EXPECT_GT(supers, 0u) << "the kernel's TSO never reached us whole";
  }
}

INSTANTIATE_TEST_SUITE_P(Kernel, OffloadTcpInTest, ::testing::Bool(),
                         [](const auto& info) {
                           return std::string(info.param ? "Super" : "Split");
                         });

}  // namespace
}  // namespace fdlink::e2e
