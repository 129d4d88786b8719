// The kernel as the peer, UDP with offloads both ways: a kernel socket
// sending UDP_SEGMENT buffers into a TUN with USO hands fdlink UDP
// super-packets (whole to a dispatcher that takes them, split into
// byte-exact datagrams for one that does not), and the responder's UDP echo
// answers a super-packet with a super-packet that the kernel delivers to the
// sending socket datagram by datagram.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "e2e/offload_util.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/offload/offload_bits.h"

namespace fdlink::e2e {
namespace {

constexpr uint16_t kSegment = 1200;
constexpr int kDatagrams = 40;  // 48,000 bytes: one super-packet's worth.
constexpr uint16_t kSinkPort = 9000;
constexpr auto kIoUring = fdbased::PacketDispatchMode::kIoUring;

// UdpCase is the address family, whether the dispatcher takes
// super-packets, and the receive mode (io_uring reads carry the
// virtio-net header into the same decode path).
struct UdpCase {
  bool ipv6;
  bool super;
  fdbased::PacketDispatchMode mode = fdbased::PacketDispatchMode::kReadv;
};

std::string UdpCaseName(const ::testing::TestParamInfo<UdpCase>& info) {
  return std::string(info.param.ipv6 ? "Ipv6" : "Ipv4") +
         (info.param.super ? "Super" : "Split") +
         (info.param.mode == fdbased::PacketDispatchMode::kIoUring ? "IoUring"
                                                                   : "");
}

// ChecksumsValid reports whether a wire datagram's IPv4 header checksum
// (if IPv4) and UDP checksum verify.
bool ChecksumsValid(std::span<const uint8_t> p) {
  if ((p[0] >> 4) == 4) {
    header::Ipv4 ip{p};
    if (!ip.IsChecksumValid()) return false;
    return header::VerifyUdpChecksum(ip.src(), ip.dst(),
                                     p.subspan(ip.header_length()));
  }
  std::array<uint8_t, 16> src, dst;
  std::memcpy(src.data(), &p[8], 16);
  std::memcpy(dst.data(), &p[24], 16);
  return header::VerifyUdpChecksum(header::Ipv6Address(src),
                                   header::Ipv6Address(dst), p.subspan(40));
}

// ToSink reports whether `p` is a UDP datagram to kSinkPort.
bool ToSink(const std::vector<uint8_t>& p) {
  if (p.empty()) return false;
  const bool v6 = (p[0] >> 4) == 6;
  const size_t l3 = v6 ? 40 : 20;
  return p.size() >= l3 + 8 && (v6 ? p[6] : p[9]) == 17 &&
         p[l3 + 2] == (kSinkPort >> 8) && p[l3 + 3] == (kSinkPort & 0xff);
}

class OffloadUdpInTest : public OffloadE2eTest,
                         public ::testing::WithParamInterface<UdpCase> {};

TEST_P(OffloadUdpInTest, KernelUdpSegmentArrivesAsSuperPacketsOrSplit) {
  const UdpCase c = GetParam();
  ASSERT_TRUE(OpenOffloadedTun("fdloffu0"));
  ASSERT_EQ(tun_->offloads() & offload::kTunFUso4, offload::kTunFUso4);
  fdbased::Options o = VnetEndpointOptions();
  o.dispatch_mode = c.mode;
  ASSERT_TRUE(StartRecorder(c.super, o));
  ASSERT_EQ(ep_->DispatchModeInUse(), c.mode) << ep_->DispatchModeFallback();
  GsoRecorder& rec = *rec_;

  const std::vector<uint8_t> payload = Payload(kSegment * kDatagrams, 11);
  const UniqueFd s = OpenUdpIn(*ns_, c.ipv6 ? AF_INET6 : AF_INET);
  const SockAddr to = MakeSockAddr(c.ipv6 ? kOurs6 : kOurs4, kSinkPort);
  // The first send may meet an IPv6 route still being set up: resend
  // until something of ours arrives.
  const auto ours = [](const std::vector<GsoPacket>& ps, size_t bytes) {
    size_t got = 0;
    for (const GsoPacket& p : ps) {
      if (ToSink(p.bytes)) got += L4Payload(p.bytes).size();
    }
    return got >= bytes;
  };
  for (int attempt = 0; attempt < 5 && !ours(rec.Packets(), 1); ++attempt) {
    ASSERT_TRUE(SendSegmentedUdp(s.get(), to, payload, kSegment));
    rec.WaitFor([&](const auto& ps) { return ours(ps, payload.size()); },
                std::chrono::milliseconds(500));
  }
  ep_->Attach(nullptr);

  // The datagrams of the first complete send, in order.
  std::vector<uint8_t> stream;
  size_t supers = 0, wire = 0;
  for (const GsoPacket& p : rec.Packets()) {
    if (!ToSink(p.bytes)) continue;
    const size_t l3 = (p.bytes[0] >> 4) == 6 ? 40 : 20;
    const std::span<const uint8_t> data = L4Payload(p.bytes);
    if (p.gso.type != GSOType::kNone) {
      ++supers;
      EXPECT_TRUE(c.super) << "a super-packet reached a split dispatcher";
      EXPECT_EQ(p.gso.type, GSOType::kUDPL4);
      EXPECT_EQ(p.gso.mss, kSegment);
      EXPECT_EQ(p.gso.l3_header_len, l3);
      EXPECT_EQ(p.gso.l4_header_len, 8);
      EXPECT_GT(data.size(), kSegment);
    } else {
      ++wire;
      EXPECT_LE(data.size(), kSegment);
      EXPECT_TRUE(ChecksumsValid(p.bytes)) << "datagram " << wire;
    }
    stream.insert(stream.end(), data.begin(), data.end());
    if (stream.size() >= payload.size()) break;
  }
  ASSERT_EQ(stream.size(), payload.size());
  EXPECT_EQ(stream, payload);
  if (c.super) {
    EXPECT_GT(supers, 0u) << "the kernel's USO never reached us whole";
  } else {
    EXPECT_EQ(wire, static_cast<size_t>(kDatagrams));
  }
}

INSTANTIATE_TEST_SUITE_P(Kernel, OffloadUdpInTest,
                         ::testing::Values(UdpCase{false, true},
                                           UdpCase{false, false},
                                           UdpCase{true, true},
                                           UdpCase{true, false},
                                           UdpCase{false, true, kIoUring},
                                           UdpCase{true, false, kIoUring}),
                         UdpCaseName);

class OffloadUdpEchoTest : public OffloadE2eTest,
                           public ::testing::WithParamInterface<bool> {};

// The responder echoes the kernel's UDP_SEGMENT buffer as a super-packet
// (one GSO write), and the kernel hands the sending socket every datagram
// byte-exact.
TEST_P(OffloadUdpEchoTest, EchoOfASuperPacketIsASuperPacket) {
  const bool ipv6 = GetParam();
  ASSERT_TRUE(OpenOffloadedTun("fdloffe0"));
  StartResponder(tun_->borrowed_fds(), VnetEndpointOptions());
  if (HasFatalFailure()) return;
  const UniqueFd s = OpenUdpIn(*ns_, ipv6 ? AF_INET6 : AF_INET);
  const SockAddr to = MakeSockAddr(ipv6 ? kOurs6 : kOurs4, 7);
  // A plain echo first: the link (and IPv6's local route) is up.
  ASSERT_TRUE(UdpEcho(s.get(), to, Payload(64, 1)));

  const std::vector<uint8_t> payload = Payload(kSegment * kDatagrams, 5);
  ASSERT_TRUE(SendSegmentedUdp(s.get(), to, payload, kSegment));
  std::vector<uint8_t> echoed;
  std::vector<uint8_t> buf(70000);
  int datagrams = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (echoed.size() < payload.size() &&
         std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(s.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      ASSERT_EQ(errno, EAGAIN) << std::strerror(errno);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    if (n == 64) continue;  // A late echo of the first exchange.
    ++datagrams;
    EXPECT_EQ(n, kSegment) << "datagram " << datagrams;
    echoed.insert(echoed.end(), buf.begin(), buf.begin() + n);
  }
  EXPECT_EQ(datagrams, kDatagrams);
  EXPECT_EQ(echoed, payload);
  const fdbased::FdCounters counters = ep_->TotalCounters();
  // One write carried the whole echo: nothing split, nothing refused.
  EXPECT_LT(counters.tx_packets, 10u) << "the echo was not one super-packet";
  EXPECT_EQ(counters.tx_split, 0u);
  EXPECT_EQ(counters.tx_gso_fallbacks, 0u);
}

INSTANTIATE_TEST_SUITE_P(Kernel, OffloadUdpEchoTest, ::testing::Bool(),
                         [](const auto& info) {
                           return std::string(info.param ? "Ipv6" : "Ipv4");
                         });

}  // namespace
}  // namespace fdlink::e2e
