// iperf3 through `fdlink tun2socks`: one short run each way (forward,
// then -R), directly and through SOCKS5. A functional check (iperf3's
// JSON report: bytes moved, no error), not a timed assertion.
#include <gtest/gtest.h>

#include <iostream>

#include "testing/tun2socks_fixture.h"

namespace fdlink::testing {
namespace {

constexpr uint16_t kIperfPort = 5201;
constexpr uint16_t kSocksPort = 1080;

struct IperfCase {
  const char* name;
  bool socks;
  const char* dest;
};

class Tun2SocksIperfTest : public Tun2SocksFixture,
                           public ::testing::WithParamInterface<IperfCase> {};

TEST_P(Tun2SocksIperfTest, ForwardAndReverseRunsMoveBytes) {
  const IperfCase& c = GetParam();
  std::unique_ptr<e2e::ToolProcess> server =
      StartServerProcess({"iperf3", "-s", "--forceflush", "-B", c.dest, "-p",
                          std::to_string(kIperfPort)});
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->WaitForOutput("Server listening", 10s))
      << server->output();
  if (c.socks) {
    ASSERT_TRUE(StartMicrosocks(kSocksPort));
    ASSERT_TRUE(StartTun2Socks(Socks5Args(kSocksPort)));
  } else {
    ASSERT_TRUE(StartTun2Socks(DirectArgs()));
  }
  for (const bool reverse : {false, true}) {
    std::vector<std::string> argv{
        "iperf3", "-c", c.dest,  "-p", std::to_string(kIperfPort),
        "-t",     "1",  "--json"};
    if (reverse) argv.push_back("-R");
    std::string out;
    const int status = Run(client_ns(), argv, &out, 30000);
    EXPECT_EQ(status, 0) << out << "\n" << Tun2SocksOutput();
    const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << "not JSON:\n" << out;
    EXPECT_FALSE(report.contains("error")) << report.dump();
    const auto& end = report["end"];
    ASSERT_TRUE(end.is_object()) << out;
    const double sent = end["sum_sent"]["bytes"].get<double>();
    const double received = end["sum_received"]["bytes"].get<double>();
    EXPECT_GT(sent, 0) << out;
    EXPECT_GT(received, 0) << out;
    std::cout << "  iperf3 " << (reverse ? "-R " : "") << c.name << ": "
              << end["sum_received"]["bits_per_second"].get<double>() / 1e6
              << " Mbit/s\n";
  }
  const Stopped s = StopTun2Socks();
  EXPECT_EQ(s.status, 0) << s.output;
  // Each run is a control and a data connection.
  EXPECT_GE(Counter(s.event, "connections.total").value_or(-1), 4) << s.output;
}

const IperfCase kCases[] = {
    {"DirectIpv4", false, kDest4},
    {"DirectIpv6", false, kDest6},
    {"Socks5Ipv4", true, kDest4},
};

INSTANTIATE_TEST_SUITE_P(Paths, Tun2SocksIperfTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace fdlink::testing
