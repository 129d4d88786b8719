// TAP end to end: the kernel must resolve the responder's address to our
// MAC (02:fd:00:00:00:01, not the TAP's own) through ARP and NDP before it
// can ping or send UDP; the neighbour entries it ends up with are checked,
// in each receive mode a TAP fd has (readv, io_uring).
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"
#include "fdlink/device/netns.h"

namespace fdlink::e2e {
namespace {

constexpr char kTap[] = "fde2etap0";

// Once per mode of non-socket fds (readv, io_uring).
class E2eTapTest : public E2eTest, public E2eModeParam {};

TEST_P(E2eTapTest, TapKernelResolvesUsThenPingsAndEchoesUdp) {
  ASSERT_TRUE(OpenDevice(kTap, true));
  fdbased::Options o = EthernetOptions();
  o.dispatch_mode = GetParam();
  StartResponder(tun_->borrowed_fds(), o);
  ASSERT_TRUE(ep_);
  ASSERT_EQ(ep_->DispatchModeInUse(), GetParam())
      << ep_->DispatchModeFallback();

  ExpectKernelTalks(/*pings=*/5);

  // The kernel's neighbour table maps our addresses to our MAC, learnt
  // from the responder's ARP reply and neighbour advertisement. (Not
  // /proc/net: that is /proc/self/net, the main thread's namespace.)
  std::string arp;
  Inside([&] { arp = ReadFile("/proc/thread-self/net/arp"); });
  EXPECT_NE(arp.find(kOurs4), std::string::npos) << arp;
  EXPECT_NE(arp.find(kOurMac.ToString()), std::string::npos) << arp;
  EXPECT_NE(arp.find("0x2"), std::string::npos)
      << "entry not complete (ATF_COM): " << arp;
  std::string neigh;
  Result<int> ip = device::RunCommandIn(
      *ns_, {"ip", "-6", "neigh", "show", "dev", kTap}, &neigh, 10000);
  ASSERT_TRUE(ip) << ip.error().ToString();
  EXPECT_EQ(*ip, 0) << neigh;
  EXPECT_NE(neigh.find(std::string(kOurs6) + " lladdr " + kOurMac.ToString()),
            std::string::npos)
      << neigh;
  EXPECT_EQ(neigh.find("FAILED"), std::string::npos) << neigh;

  const responder::ResponderCounters c = SettledCounters();
  EXPECT_GE(c.arp_replies, 1u) << c.Summary();
  EXPECT_GE(c.neighbor_advertisements, 1u) << c.Summary();
  EXPECT_GE(c.icmpv4_echo_replies, 5u) << c.Summary();
  EXPECT_GE(c.icmpv6_echo_replies, 5u) << c.Summary();
  EXPECT_GE(c.udp_echoes, 10u) << c.Summary();
  EXPECT_EQ(c.tx_failed, 0u);
  EXPECT_EQ(ep_->TotalCounters().tx_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, E2eTapTest,
    fdlink::testing::ModesOf(fdlink::testing::FdKind::kNonSocket),
    fdlink::testing::ModeParamName);

}  // namespace
}  // namespace fdlink::e2e
