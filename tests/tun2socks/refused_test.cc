// A connection whose upstream refuses is answered with a reset: the
// kernel client's connect fails with ECONNREFUSED within a second, both
// directly (the server namespace has nothing on the port: its kernel
// resets) and through SOCKS5 (microsocks answers a failure), over IPv4
// and IPv6; the tool counts the failures and keeps serving.
#include <gtest/gtest.h>

#include <cstring>

#include "testing/tun2socks_fixture.h"

namespace fdlink::testing {
namespace {

constexpr uint16_t kClosedPort = 5999;
constexpr uint16_t kOpenPort = 5002;
constexpr uint16_t kSocksPort = 1080;

class Tun2SocksRefusedTest : public Tun2SocksFixture,
                             public ::testing::WithParamInterface<bool> {};

TEST_P(Tun2SocksRefusedTest, ClientGetsConnectionRefusedWithinASecond) {
  const bool socks = GetParam();
  if (socks) {
    ASSERT_TRUE(StartMicrosocks(kSocksPort));
    ASSERT_TRUE(StartTun2Socks(Socks5Args(kSocksPort)));
  } else {
    ASSERT_TRUE(StartTun2Socks(DirectArgs()));
  }
  std::unique_ptr<EchoServer> echo4 =
      EchoServer::Start(server_ns(), kDest4, kOpenPort);
  std::unique_ptr<EchoServer> echo6 =
      EchoServer::Start(server_ns(), kDest6, kOpenPort);
  ASSERT_TRUE(echo4 && echo6);
  int refused = 0;
  for (int round = 0; round < 3; ++round) {
    for (const char* dest : {kDest4, kDest6}) {
      const Dialed d = DialTcp(client_ns(), dest, kClosedPort, 5s);
      EXPECT_FALSE(d.fd.valid()) << dest;
      EXPECT_EQ(d.error, ECONNREFUSED)
          << dest << ": " << std::strerror(d.error) << "\n"
          << Tun2SocksOutput();
      EXPECT_LT(d.took, 1s) << dest;
      ++refused;
      // The tool still serves the next connection.
      Dialed ok = DialTcp(client_ns(), dest, kOpenPort, 5s);
      ASSERT_TRUE(ok.fd.valid()) << dest << ": " << std::strerror(ok.error);
      const uint8_t ping[3] = {7, 8, 9};
      uint8_t back[3] = {};
      ASSERT_TRUE(WriteAll(ok.fd.get(), ping));
      ASSERT_TRUE(ReadExactly(ok.fd.get(), back)) << dest;
      EXPECT_EQ(std::memcmp(ping, back, 3), 0);
    }
  }
  const Stopped s = StopTun2Socks();
  ASSERT_EQ(s.status, 0) << s.output;
  EXPECT_EQ(Counter(s.event, "connections.failed"), refused) << s.output;
  EXPECT_EQ(Counter(s.event, "connections.total"), 2 * refused) << s.output;
  EXPECT_EQ(Counter(s.event, "connections.open"), 0) << s.output;
}

INSTANTIATE_TEST_SUITE_P(Upstreams, Tun2SocksRefusedTest,
                         ::testing::Values(false, true), [](const auto& info) {
                           return info.param ? "Socks5" : "Direct";
                         });

}  // namespace
}  // namespace fdlink::testing
