// TUN end to end: the kernel in a private namespace owns one side of a TUN
// device (198.18.0.1/24, 2001:db8::1/64) and the responder the other
// (198.18.0.2, 2001:db8::2). iputils ping and kernel UDP sockets talk to
// it; the kernel verifies every checksum before ping or a socket sees a
// reply, and the UDP payloads come back byte for byte, in each receive
// mode a TUN fd has (readv, io_uring).
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace fdlink::e2e {
namespace {

// Once per mode of non-socket fds (readv, io_uring).
class E2eTunTest : public E2eTest, public E2eModeParam {};

TEST_P(E2eTunTest, TunKernelPingsAndEchoesUdp) {
  ASSERT_TRUE(OpenDevice("fde2etun0", false));
  fdbased::Options o;
  o.processors_per_channel = 1;
  o.dispatch_mode = GetParam();
  StartResponder(tun_->borrowed_fds(), o);
  ASSERT_TRUE(ep_);
  ASSERT_EQ(ep_->DispatchModeInUse(), GetParam())
      << ep_->DispatchModeFallback();

  ExpectKernelTalks(/*pings=*/5);

  const responder::ResponderCounters c = SettledCounters();
  EXPECT_GE(c.icmpv4_echo_replies, 5u) << c.Summary();
  EXPECT_GE(c.icmpv6_echo_replies, 5u) << c.Summary();
  EXPECT_GE(c.udp_echoes, 10u) << c.Summary();
  EXPECT_EQ(c.arp_replies, 0u) << "a TUN link has no ARP";
  EXPECT_EQ(c.neighbor_advertisements, 0u) << "a TUN link has no NDP";
  EXPECT_EQ(c.tx_failed, 0u);
  const fdbased::FdCounters fc = ep_->TotalCounters();
  EXPECT_EQ(fc.rx_errors, 0u);
  EXPECT_EQ(fc.tx_errors, 0u);
  EXPECT_EQ(fc.total_drops(), 0u) << "the kernel sends only IP on a TUN";
  EXPECT_EQ(fc.tx_packets, c.replies());
}

INSTANTIATE_TEST_SUITE_P(
    Modes, E2eTunTest,
    fdlink::testing::ModesOf(fdlink::testing::FdKind::kNonSocket),
    fdlink::testing::ModeParamName);

}  // namespace
}  // namespace fdlink::e2e
