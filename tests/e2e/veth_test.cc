// veth end to end: the responder reads one end of a veth pair through two
// AF_PACKET sockets in a fanout group, with that end's MAC; the kernel
// owns the other end with its addresses (and TX checksum offload on),
// resolves us through ARP and NDP, pings and sends UDP from many flows so
// that both sockets get some, and every UDP datagram is echoed.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "device/device_test_util.h"
#include "e2e/e2e_util.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/packet_socket.h"

namespace fdlink::e2e {
namespace {

constexpr char kKernelEnd[] = "fde2eve0";
constexpr char kOurEnd[] = "fde2eve1";

class E2eVethTest : public E2eTest, public E2eModeParam {
 protected:
  // Outlives the endpoint: TearDown detaches before members are destroyed.
  std::optional<device::PacketSockets> sockets_;
};

TEST_P(E2eVethTest, PacketSocketFanoutServesTheKernel) {
  MacAddress our_mac;
  Inside([&] {
    Result<std::pair<int, int>> veth =
        device::CreateVethPair(kKernelEnd, kOurEnd);
    ASSERT_TRUE(veth) << veth.error().ToString();
    const auto [kernel_index, our_index] = *veth;
    for (const char* cidr : {kKernel4, kKernel6}) {
      ASSERT_TRUE(
          device::AddAddress(kernel_index, device::Cidr::Parse(cidr).value()));
    }
    // TX checksum offload stays on (the veth default): the kernel hands the
    // frames it sends with UDP checksums left to offload (CHECKSUM_PARTIAL,
    // TP_STATUS_CSUMNOTREADY), and the endpoint must accept them as the
    // kernel does.
    // Our end carries no addresses; without IPv6 the kernel keeps quiet
    // on it (no link-local address, no MLD or router solicitations).
    ASSERT_TRUE(WriteProcFile(
        std::string("/proc/sys/net/ipv6/conf/") + kOurEnd + "/disable_ipv6",
        "1"));
    ASSERT_TRUE(device::SetUp(our_index, true));
    ASSERT_TRUE(device::SetUp(kernel_index, true));
    Result<MacAddress> mac = device::GetHardwareAddress(our_index);
    ASSERT_TRUE(mac);
    our_mac = *mac;
    Result<device::PacketSockets> ps = device::OpenPacketSockets(kOurEnd, 2);
    ASSERT_TRUE(ps) << ps.error().ToString();
    sockets_.emplace(std::move(*ps));
    EXPECT_TRUE(device::testing::WaitRunning(kernel_index));
  });
  ASSERT_TRUE(sockets_);
  ASSERT_EQ(sockets_->fds.size(), 2u);
  EXPECT_GE(sockets_->fanout_id, 0);

  fdbased::Options o;
  o.ethernet_header = true;
  o.address = our_mac;
  o.dispatch_mode = GetParam();
  o.processors_per_channel = 1;
  StartResponder(sockets_->borrowed_fds(), o);
  ASSERT_TRUE(ep_);

  ExpectKernelTalks(/*pings=*/5);

  // Many flows (one source port each): the fanout hash spreads them over
  // both sockets, and every one is echoed.
  constexpr int kFlows = 32;
  const SockAddr to = MakeSockAddr(kOurs4, 7);
  for (int i = 0; i < kFlows; ++i) {
    const UniqueFd s = OpenUdpIn(*ns_, AF_INET);
    EXPECT_TRUE(UdpEcho(s.get(), to, Payload(200, 1000 + i))) << "flow " << i;
  }
  EXPECT_GT(ep_->Counters(0).rx_packets, 0u);
  EXPECT_GT(ep_->Counters(1).rx_packets, 0u);

  const responder::ResponderCounters c = SettledCounters();
  EXPECT_GE(c.arp_replies, 1u) << c.Summary();
  EXPECT_GE(c.neighbor_advertisements, 1u) << c.Summary();
  EXPECT_GE(c.udp_echoes, 10u + kFlows) << c.Summary();
  EXPECT_EQ(c.drops_of(responder::ResponderDrop::kBadTransportChecksum), 0u)
      << c.Summary();
  EXPECT_EQ(c.tx_failed, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, E2eVethTest,
    fdlink::testing::ModesOf(fdlink::testing::FdKind::kPacketSocket),
    fdlink::testing::ModeParamName);

// io_uring's multishot recv cannot carry AF_PACKET's checksum status
// (PACKET_AUXDATA): on packet sockets the endpoint reads with readv and
// says so, naming packet_mmap.
TEST_F(E2eTest, IoUringOnPacketSocketsFallsBackToReadvAndSaysWhy) {
  std::optional<device::PacketSockets> sockets;
  MacAddress mac;
  Inside([&] {
    Result<std::pair<int, int>> veth =
        device::CreateVethPair(kKernelEnd, kOurEnd);
    ASSERT_TRUE(veth) << veth.error().ToString();
    ASSERT_TRUE(device::SetUp(veth->second, true));
    Result<MacAddress> m = device::GetHardwareAddress(veth->second);
    ASSERT_TRUE(m);
    mac = *m;
    Result<device::PacketSockets> ps = device::OpenPacketSockets(kOurEnd, 1);
    ASSERT_TRUE(ps) << ps.error().ToString();
    sockets.emplace(std::move(*ps));
  });
  ASSERT_TRUE(sockets);
  fdbased::Options o;
  o.fds = sockets->borrowed_fds();
  o.ethernet_header = true;
  o.address = mac;
  o.dispatch_mode = fdbased::PacketDispatchMode::kIoUring;
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(o));
  ASSERT_TRUE(ep) << ep.error().ToString();
  EXPECT_EQ((*ep)->DispatchModeInUse(), fdbased::PacketDispatchMode::kReadv);
  const std::string why((*ep)->DispatchModeFallback());
  EXPECT_NE(why.find("PACKET_AUXDATA"), std::string::npos) << why;
  EXPECT_NE(why.find("packet_mmap"), std::string::npos) << why;
}

}  // namespace
}  // namespace fdlink::e2e
