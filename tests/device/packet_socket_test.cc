#include "fdlink/device/packet_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "device_test_util.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/sys/process.h"
#include "fdlink/sys/syscalls.h"
#include "testing/netns_fixture.h"

namespace fdlink::device {
namespace {

using testing::RunInside;
using testing::WaitRunning;

constexpr int kFrames = 64;
constexpr size_t kMarkerOffset = 14 + 20 + 8;  // Ethernet + IPv4 + UDP.

using PacketSocketTest = ::fdlink::testing::NetNsFixture;

// MakeFrame builds an Ethernet/IPv4/UDP frame from 198.18.0.1:src_port to
// 198.18.0.2:7777 whose payload is `marker`. Distinct source ports make
// distinct flows, so a hash fanout spreads them over its members.
std::vector<uint8_t> MakeFrame(const MacAddress& dst, const MacAddress& src,
                               uint16_t src_port, const std::string& marker) {
  const size_t udp_len = 8 + marker.size();
  const size_t ip_len = 20 + udp_len;
  std::array<uint8_t, 20> ip = {0x45,
                                0,
                                static_cast<uint8_t>(ip_len >> 8),
                                static_cast<uint8_t>(ip_len),
                                0,
                                0,
                                0,
                                0,
                                64,
                                17,  // TTL, UDP.
                                0,
                                0,  // Checksum, below.
                                198,
                                18,
                                0,
                                1,
                                198,
                                18,
                                0,
                                2};
  uint32_t sum = 0;
  for (size_t i = 0; i < ip.size(); i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = static_cast<uint8_t>(~sum >> 8);
  ip[11] = static_cast<uint8_t>(~sum);
  const std::array<uint8_t, 8> udp = {static_cast<uint8_t>(src_port >> 8),
                                      static_cast<uint8_t>(src_port),
                                      7777 >> 8,
                                      7777 & 0xff,
                                      static_cast<uint8_t>(udp_len >> 8),
                                      static_cast<uint8_t>(udp_len),
                                      0,
                                      0};

  std::vector<uint8_t> frame(dst.bytes().begin(), dst.bytes().end());
  frame.insert(frame.end(), src.bytes().begin(), src.bytes().end());
  frame.push_back(0x08);  // EtherType IPv4.
  frame.push_back(0x00);
  frame.insert(frame.end(), ip.begin(), ip.end());
  frame.insert(frame.end(), udp.begin(), udp.end());
  frame.insert(frame.end(), marker.begin(), marker.end());
  return frame;
}

// SendFrames writes kFrames frames carrying `marker` on `fd`.
void SendFrames(int fd, const MacAddress& dst, const MacAddress& src,
                const std::string& marker) {
  for (int i = 0; i < kFrames; ++i) {
    std::vector<uint8_t> frame =
        MakeFrame(dst, src, static_cast<uint16_t>(20000 + i), marker);
    Result<size_t> n = sys::Write(fd, frame);
    ASSERT_TRUE(n) << n.error().ToString();
    ASSERT_EQ(*n, frame.size());
  }
}

// CountMarked drains each fd until `want` frames carrying `marker` arrived
// in total or `wait` passed, and returns the count per fd.
std::vector<int> CountMarked(const std::vector<int>& fds,
                             const std::string& marker, int want,
                             std::chrono::milliseconds wait) {
  std::vector<int> counts(fds.size(), 0);
  int total = 0;
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::array<uint8_t, 2048> buf;
  while (total < want && std::chrono::steady_clock::now() < deadline) {
    bool any = false;
    for (size_t i = 0; i < fds.size(); ++i) {
      Result<size_t> n = sys::Read(fds[i], buf);
      if (!n) continue;
      any = true;
      if (*n >= kMarkerOffset + marker.size() &&
          std::memcmp(&buf[kMarkerOffset], marker.data(), marker.size()) == 0) {
        ++counts[i];
        ++total;
      }
    }
    if (!any) (void)sys::WaitReadable(fds[0], 5);
  }
  return counts;
}

int Sum(const std::vector<int>& counts) {
  int total = 0;
  for (int c : counts) total += c;
  return total;
}

// Veth is an up veth pair and its hardware addresses.
struct Veth {
  int a = 0, b = 0;
  MacAddress mac_a{}, mac_b{};
};

void MakeVeth(Veth* veth) {
  Result<std::pair<int, int>> pair = CreateVethPair("fdlpa0", "fdlpb0");
  ASSERT_TRUE(pair) << pair.error().ToString();
  veth->a = pair->first;
  veth->b = pair->second;
  ASSERT_TRUE(device::SetUp(veth->a, true));
  ASSERT_TRUE(device::SetUp(veth->b, true));
  ASSERT_TRUE(WaitRunning(veth->a));
  ASSERT_TRUE(WaitRunning(veth->b));
  veth->mac_a = *GetHardwareAddress(veth->a);
  veth->mac_b = *GetHardwareAddress(veth->b);
}

TEST_F(PacketSocketTest, FanoutGroupReceivesEveryFrame) {
  RunInside(*ns_, [] {
    Veth veth;
    MakeVeth(&veth);
    if (::testing::Test::HasFatalFailure()) return;
    Result<PacketSockets> rx = OpenPacketSockets("fdlpb0", 2);
    ASSERT_TRUE(rx) << rx.error().ToString();
    ASSERT_EQ(rx->fds.size(), 2u);
    EXPECT_EQ(rx->ifindex, veth.b);
    EXPECT_GE(rx->fanout_id, 0);
    std::vector<int> fds = rx->borrowed_fds();
    ASSERT_EQ(fds.size(), 2u);
    EXPECT_NE(fds[0], fds[1]);
    for (int fd : fds) {
      EXPECT_NE(::fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
      EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
      int rcvbuf = 0;
      socklen_t len = sizeof(rcvbuf);
      ASSERT_EQ(::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len), 0);
      EXPECT_GE(rcvbuf, kPacketSocketBufferBytes);
    }

    Result<PacketSockets> tx = OpenPacketSockets("fdlpa0", 1);
    ASSERT_TRUE(tx) << tx.error().ToString();
    EXPECT_EQ(tx->fanout_id, -1);
    SendFrames(tx->fds[0].get(), veth.mac_b, veth.mac_a, "fdlink-fanout");
    if (::testing::Test::HasFatalFailure()) return;
    std::vector<int> counts =
        CountMarked(fds, "fdlink-fanout", kFrames, std::chrono::seconds(2));
    EXPECT_EQ(Sum(counts), kFrames);
    // 64 distinct flows: the hash sends some to each member (all landing
    // on one member has probability 2^-63).
    EXPECT_GT(counts[0], 0);
    EXPECT_GT(counts[1], 0);
  });
}

TEST_F(PacketSocketTest, GroupDoesNotSeeItsOwnTransmissions) {
  RunInside(*ns_, [] {
    Veth veth;
    MakeVeth(&veth);
    if (::testing::Test::HasFatalFailure()) return;
    Result<PacketSockets> group = OpenPacketSockets("fdlpb0", 2);
    ASSERT_TRUE(group) << group.error().ToString();
    Result<PacketSockets> peer = OpenPacketSockets("fdlpa0", 1);
    ASSERT_TRUE(peer) << peer.error().ToString();
    EXPECT_TRUE(peer->ignores_outgoing);

    SendFrames(group->fds[0].get(), veth.mac_a, veth.mac_b, "fdlink-egress");
    if (::testing::Test::HasFatalFailure()) return;
    // The peer receives them all...
    EXPECT_EQ(Sum(CountMarked(peer->borrowed_fds(), "fdlink-egress", kFrames,
                              std::chrono::seconds(2))),
              kFrames);
    // ...and the sending group sees none of them, unless the kernel is too
    // old to filter outgoing frames for a fanout group.
    const int echoed =
        Sum(CountMarked(group->borrowed_fds(), "fdlink-egress", kFrames,
                        std::chrono::milliseconds(200)));
    EXPECT_EQ(echoed, group->ignores_outgoing ? 0 : kFrames);
  });
}

TEST_F(PacketSocketTest, KernelAssignsDistinctFanoutIds) {
  RunInside(*ns_, [] {
    Veth veth;
    MakeVeth(&veth);
    if (::testing::Test::HasFatalFailure()) return;
    Result<PacketSockets> first = OpenPacketSockets("fdlpa0", 2);
    ASSERT_TRUE(first) << first.error().ToString();
    Result<PacketSockets> second = OpenPacketSockets("fdlpb0", 3);
    ASSERT_TRUE(second) << second.error().ToString();
    EXPECT_EQ(second->fds.size(), 3u);
    EXPECT_NE(first->fanout_id, second->fanout_id);
  });
}

TEST_F(PacketSocketTest, PidDerivedIdsStepPastTakenOnes) {
  RunInside(*ns_, [] {
    Veth veth;
    MakeVeth(&veth);
    if (::testing::Test::HasFatalFailure()) return;
    const PacketSocketOptions pid_ids{.kernel_fanout_id = false};
    const int base = sys::ProcessId() & 0xffff;
    Result<PacketSockets> rx = OpenPacketSockets("fdlpb0", 2, pid_ids);
    ASSERT_TRUE(rx) << rx.error().ToString();
    EXPECT_EQ(rx->fanout_id, base);
    // Same id, other device: taken, so the next id is used.
    Result<PacketSockets> other = OpenPacketSockets("fdlpa0", 2, pid_ids);
    ASSERT_TRUE(other) << other.error().ToString();
    EXPECT_EQ(other->fanout_id, (base + 1) & 0xffff);

    Result<PacketSockets> tx = OpenPacketSockets("fdlpa0", 1);
    ASSERT_TRUE(tx) << tx.error().ToString();
    SendFrames(tx->fds[0].get(), veth.mac_b, veth.mac_a, "fdlink-pid");
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(Sum(CountMarked(rx->borrowed_fds(), "fdlink-pid", kFrames,
                              std::chrono::seconds(2))),
              kFrames);
  });
}

// kUdpSegment is UDP_SEGMENT (SOL_UDP option 103; older libc headers lack
// it) and kGsoUdpL4 the virtio-net gso_type of a USO super-packet.
constexpr int kUdpSegment = 103;
constexpr uint8_t kGsoUdpL4 = 5;
constexpr uint16_t kSegment = 1200;
constexpr int kSegments = 20;

// SendUdp sends `len` bytes from a kernel UDP socket to 198.18.1.2:7777,
// as one UDP_SEGMENT buffer of kSegment-byte datagrams when `segment`.
void SendUdp(size_t len, bool segment) {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(sock.valid()) << std::strerror(errno);
  if (segment) {
    int size = kSegment;
    ASSERT_EQ(
        ::setsockopt(sock.get(), IPPROTO_UDP, kUdpSegment, &size, sizeof(size)),
        0)
        << std::strerror(errno);
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(7777);
  ASSERT_EQ(::inet_pton(AF_INET, "198.18.1.2", &to.sin_addr), 1);
  std::vector<uint8_t> payload(len, 0x5a);
  ASSERT_EQ(::sendto(sock.get(), payload.data(), payload.size(), 0,
                     reinterpret_cast<const sockaddr*>(&to), sizeof(to)),
            static_cast<ssize_t>(len))
      << std::strerror(errno);
}

// ReadUdpFrame reads frames (each after a virtio-net header) from fd for
// up to two seconds until an IPv4/UDP one to port 7777 arrives; returns it
// with its header, or empty.
std::vector<uint8_t> ReadUdpFrame(int fd) {
  constexpr size_t kHdr = header::kVirtioNetHeaderSize;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::vector<uint8_t> buf(kHdr + 65535 + 14);
  while (std::chrono::steady_clock::now() < deadline) {
    Result<bool> ready = sys::WaitReadable(fd, 50);
    if (!ready || !*ready) continue;
    Result<size_t> n = sys::Read(fd, buf);
    if (!n || *n < kHdr + 14 + 20 + 8) continue;
    const uint8_t* f = buf.data() + kHdr;
    if (f[12] != 0x08 || f[13] != 0x00 || f[14 + 9] != 17) continue;
    const size_t ihl = (f[14] & 0x0f) * 4u;
    if (f[14 + ihl + 2] != (7777 >> 8) || f[14 + ihl + 3] != (7777 & 0xff))
      continue;
    return std::vector<uint8_t>(buf.begin(), buf.begin() + *n);
  }
  return {};
}

TEST_F(PacketSocketTest, VnetHdrFramesCarryTheHeaderAndGsoFramesArriveWhole) {
  RunInside(*ns_, [this] {
    Veth veth;
    MakeVeth(&veth);
    if (::testing::Test::HasFatalFailure()) return;
    // The kernel sends from fdlpa0 to a neighbour it believes is behind
    // it (fdlpb0's address), so fdlpb0 receives the UDP_SEGMENT buffer as
    // one GSO frame.
    ASSERT_TRUE(AddAddress(veth.a, testing::MustParse("198.18.1.1/24")));
    char mac[32];
    const auto& m = veth.mac_b.bytes();
    std::snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
                  m[2], m[3], m[4], m[5]);
    std::string output;
    Result<int> status =
        RunCommandIn(*ns_,
                     {"ip", "neigh", "replace", "198.18.1.2", "lladdr", mac,
                      "dev", "fdlpa0", "nud", "permanent"},
                     &output, 5000);
    ASSERT_TRUE(status) << status.error().ToString();
    ASSERT_EQ(*status, 0) << output;

    Result<PacketSockets> rx =
        OpenPacketSockets("fdlpb0", 1, {.vnet_hdr = true});
    ASSERT_TRUE(rx) << rx.error().ToString();
    EXPECT_TRUE(rx->vnet_hdr);
    const int fd = rx->fds[0].get();

    // An ordinary datagram: a header saying "no GSO" in front of it.
    SendUdp(100, false);
    if (::testing::Test::HasFatalFailure()) return;
    std::vector<uint8_t> small = ReadUdpFrame(fd);
    ASSERT_EQ(small.size(), header::kVirtioNetHeaderSize + 14 + 20 + 8 + 100);
    header::VirtioNetHeader small_hdr{std::span<const uint8_t>(small)};
    EXPECT_EQ(small_hdr.gso_type(), header::virtio_net::kGsoNone);

    // A UDP_SEGMENT buffer: one frame far past the MTU, the GSO fields set.
    const size_t len = size_t{kSegment} * kSegments;
    SendUdp(len, true);
    if (::testing::Test::HasFatalFailure()) return;
    std::vector<uint8_t> big = ReadUdpFrame(fd);
    ASSERT_EQ(big.size(), header::kVirtioNetHeaderSize + 14 + 20 + 8 + len);
    header::VirtioNetHeader hdr{std::span<const uint8_t>(big)};
    EXPECT_EQ(hdr.gso_type(), kGsoUdpL4);
    EXPECT_EQ(hdr.gso_size(), kSegment);
    EXPECT_NE(hdr.flags() & header::virtio_net::kFlagNeedsCsum, 0);
    EXPECT_EQ(hdr.csum_start(), 14 + 20);
    EXPECT_EQ(hdr.csum_offset(), 6);
  });
}

TEST_F(PacketSocketTest, Errors) {
  RunInside(*ns_, [] {
    Result<PacketSockets> missing = OpenPacketSockets("fdl-nope0", 2);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::kNotFound);
    EXPECT_STREQ(missing.error().what, "unknown interface");
    Result<PacketSockets> none = OpenPacketSockets("lo", 0);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::kInvalidArgument);
  });
}

}  // namespace
}  // namespace fdlink::device
