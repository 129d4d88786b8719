// `fdlink tun2socks --socks5` end to end, the tool run as a subprocess: a
// client namespace routes 198.18.2.0/24 and 2001:db8:2::/64 into the TUN
// t2s0; the tool reaches a real SOCKS5 server in a server namespace over a
// veth (198.18.1.1 -> 198.18.1.2, a connected route, never the TUN), which
// dials the destinations it owns on its `lo` (198.18.2.1, 2001:db8:2::1):
// kernel echo servers. microsocks carries TCP (no-auth, and RFC 1929 with
// -u/-P); dante carries TCP and UDP (UDP ASSOCIATE).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"
#include "fdlink/device/netns.h"
#include "testing/netns_fixture.h"
#include "tun2socks/socks5_testing.h"

#ifdef FDLINK_TOOL_PATH

namespace fdlink::tool::tun2socks {
namespace {

using namespace std::chrono_literals;
using testing::Clock;
using testing::Echo;

constexpr char kTool[] = FDLINK_TOOL_PATH;
constexpr char kServer4[] = "198.18.1.2";
constexpr char kDest4[] = "198.18.2.1";
constexpr char kDest6[] = "2001:db8:2::1";
constexpr uint16_t kSocksPort = 1080;
constexpr uint16_t kEchoPort = 7007;
constexpr uint16_t kClosedPort = 9;
constexpr size_t kSize = 1 << 20;

class Socks5E2eTest : public ::fdlink::testing::NetNsFixture {
 protected:
  void SetUp() override {
    NetNsFixture::SetUp();
    if (HasFatalFailure()) return;
    Result<device::NetNs> srv = device::NetNs::Create();
    ASSERT_TRUE(srv) << srv.error().ToString();
    server_ns_.emplace(std::move(*srv));
    // No duplicate address detection on the TUN's and veth's addresses.
    ASSERT_TRUE(ns_->Run([] {
      for (const char* c : {"default", "all"}) {
        e2e::WriteProcFile(
            std::string("/proc/sys/net/ipv6/conf/") + c + "/accept_dad", "0");
      }
    }));
    Ip(*ns_, {"link", "add", "v-cli", "type", "veth", "peer", "name", "v-srv"});
    Ip(*ns_, {"link", "set", "v-srv", "netns", server_ns_->path()});
    Ip(*ns_, {"addr", "add", "198.18.1.1/24", "dev", "v-cli"});
    // The client's IPv6 source address for the destinations in the TUN.
    Ip(*ns_,
       {"-6", "addr", "add", "2001:db8:1::1/64", "dev", "v-cli", "nodad"});
    Ip(*ns_, {"link", "set", "v-cli", "up"});
    Ip(*server_ns_, {"addr", "add", "198.18.1.2/24", "dev", "v-srv"});
    Ip(*server_ns_, {"link", "set", "v-srv", "up"});
    Ip(*server_ns_, {"addr", "add", "198.18.2.1/32", "dev", "lo"});
    Ip(*server_ns_,
       {"-6", "addr", "add", "2001:db8:2::1/128", "dev", "lo", "nodad"});
    char dir[] = "/tmp/fdlink-socks5-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }

  void TearDown() override {
    tool_.reset();
    socks_.reset();
    if (!dir_.empty()) {
      std::string out;
      (void)device::RunCommandIn(*ns_, {"rm", "-rf", dir_}, &out, 5000);
    }
  }

  void Ip(const device::NetNs& ns, std::vector<std::string> args) {
    args.insert(args.begin(), "ip");
    std::string out;
    Result<int> r = device::RunCommandIn(ns, args, &out, 30000);
    ASSERT_TRUE(r && *r == 0) << out;
  }

  // StartTool runs `fdlink tun2socks --tun t2s0 --socks5 ...` with `extra`
  // flags, waits for its ready line and routes the destinations into it.
  void StartTool(const std::string& server, std::vector<std::string> extra) {
    std::vector<std::string> args{"tun2socks", "--tun", "t2s0", "--socks5",
                                  server};
    args.insert(args.end(), extra.begin(), extra.end());
    tool_ = e2e::ToolProcess::Start(*ns_, kTool, args);
    ASSERT_TRUE(tool_);
    ASSERT_TRUE(tool_->WaitForOutput("ready", 30s)) << tool_->output();
    Ip(*ns_, {"route", "add", "198.18.2.0/24", "dev", "t2s0"});
    Ip(*ns_, {"-6", "route", "add", "2001:db8:2::/64", "dev", "t2s0"});
  }

  // Connect opens a TCP connection from the client namespace to ip:port
  // (through the TUN); the errno of a failure, 0 when connected.
  int Connect(const char* ip, uint16_t port, UniqueFd* out) {
    const e2e::SockAddr to = e2e::MakeSockAddr(ip, port);
    EXPECT_TRUE(ns_->Run([&] {
      out->reset(::socket(to.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    }));
    if (!out->valid()) return EBADF;
    timeval tv{10, 0};
    ::setsockopt(out->get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(out->get(), to.get(), to.len) != 0) return errno;
    return 0;
  }

  // ExpectEcho moves kSize bytes each way through the tool to an echo
  // server at ip:kEchoPort and compares them by hash.
  void ExpectEcho(const char* ip) {
    UniqueFd s;
    ASSERT_EQ(Connect(ip, kEchoPort, &s), 0) << tool_->output();
    const std::vector<uint8_t> data = e2e::Payload(kSize, kSize + ip[0]);
    const std::vector<uint8_t> got = testing::EchoThrough(s.get(), {}, data);
    EXPECT_EQ(got.size(), data.size()) << ip << "\n" << tool_->output();
    EXPECT_EQ(testing::Fnv1a(got), testing::Fnv1a(data)) << ip;
  }

  // ExpectReset expects a connection to ip:port to be reset within a
  // second: refused at connect (connect first), or reset on first read.
  void ExpectReset(const char* ip, uint16_t port) {
    const auto t0 = Clock::now();
    UniqueFd s;
    int err = Connect(ip, port, &s);
    if (err == 0) {
      pollfd p{s.get(), POLLIN, 0};
      ::poll(&p, 1, 2000);
      uint8_t b;
      err = ::recv(s.get(), &b, 1, MSG_DONTWAIT) < 0 ? errno : 0;
    }
    EXPECT_LT(Clock::now() - t0, 1s) << tool_->output();
    EXPECT_TRUE(err == ECONNREFUSED || err == ECONNRESET)
        << std::strerror(err) << "\n"
        << tool_->output();
  }

  // StopTool sends SIGTERM and expects exit 0 within a second.
  void StopTool() {
    tool_->Signal(SIGTERM);
    const std::optional<int> status = tool_->WaitExit(2s);
    ASSERT_TRUE(status) << "still running after SIGTERM:\n" << tool_->output();
    EXPECT_EQ(*status, 0) << tool_->output();
  }

  std::optional<device::NetNs> server_ns_;
  std::string dir_;
  std::unique_ptr<e2e::ToolProcess> socks_;
  std::unique_ptr<e2e::ToolProcess> tool_;
};

TEST_F(Socks5E2eTest, MicrosocksCarriesAMebibyteEachWayIpv4AndIpv6) {
  const Echo echo4(*server_ns_, kDest4, kEchoPort, SOCK_STREAM);
  const Echo echo6(*server_ns_, kDest6, kEchoPort, SOCK_STREAM);
  socks_ = testing::StartMicrosocks(*server_ns_, kServer4, kSocksPort);
  ASSERT_TRUE(socks_);
  ASSERT_NO_FATAL_FAILURE(StartTool("198.18.1.2:1080", {}));
  ExpectEcho(kDest4);
  ExpectEcho(kDest6);
  ExpectReset(kDest4, kClosedPort);
  StopTool();
}

TEST_F(Socks5E2eTest, MicrosocksWithUserAndPassword) {
  const Echo echo4(*server_ns_, kDest4, kEchoPort, SOCK_STREAM);
  socks_ = testing::StartMicrosocks(*server_ns_, kServer4, kSocksPort, "alice",
                                    "s3cret");
  ASSERT_TRUE(socks_);
  ASSERT_NO_FATAL_FAILURE(
      StartTool("198.18.1.2:1080",
                {"--socks5-user", "alice", "--socks5-pass", "s3cret"}));
  ExpectEcho(kDest4);
  StopTool();
}

TEST_F(Socks5E2eTest, WrongPasswordResetsTheClient) {
  const Echo echo4(*server_ns_, kDest4, kEchoPort, SOCK_STREAM);
  socks_ = testing::StartMicrosocks(*server_ns_, kServer4, kSocksPort, "alice",
                                    "s3cret");
  ASSERT_TRUE(socks_);
  ASSERT_NO_FATAL_FAILURE(StartTool(
      "198.18.1.2:1080", {"--socks5-user", "alice", "--socks5-pass", "guess"}));
  ExpectReset(kDest4, kEchoPort);
  StopTool();
}

TEST_F(Socks5E2eTest, DanteCarriesTcpAndUdp) {
  const Echo tcp4(*server_ns_, kDest4, kEchoPort, SOCK_STREAM);
  const Echo udp4(*server_ns_, kDest4, kEchoPort, SOCK_DGRAM);
  const Echo udp6(*server_ns_, kDest6, kEchoPort, SOCK_DGRAM);
  socks_ = testing::StartDante(*server_ns_, dir_, {kServer4}, kSocksPort, "lo");
  ASSERT_TRUE(socks_);
  ASSERT_NO_FATAL_FAILURE(StartTool("198.18.1.2:1080", {}));
  ExpectEcho(kDest4);
  for (const char* ip : {kDest4, kDest6}) {
    const UniqueFd s = e2e::OpenUdpIn(
        *ns_, std::strchr(ip, ':') != nullptr ? AF_INET6 : AF_INET);
    EXPECT_TRUE(e2e::UdpEcho(s.get(), e2e::MakeSockAddr(ip, kEchoPort),
                             e2e::Payload(1200, 5), 10s))
        << ip << "\n"
        << tool_->output() << socks_->output();
  }
  ExpectReset(kDest4, kClosedPort);
  StopTool();
}

// ExpectUsage runs the tool with `args` and expects exit 2 with one line
// containing `message`.
void ExpectUsage(const device::NetNs& ns, std::vector<std::string> args,
                 const std::string& message) {
  args.insert(args.begin(), {kTool, "tun2socks", "--tun", "t2s0"});
  std::string out;
  Result<int> r = device::RunCommandIn(ns, args, &out, 30000);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, 2) << out;
  EXPECT_NE(out.find(message), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST_F(Socks5E2eTest, BadSocks5ValuesExitTwoWithOneLine) {
  ExpectUsage(*ns_, {"--socks5", "198.18.1.2"},
              "--socks5 wants HOST:PORT, e.g. 198.18.1.2:1080");
  ExpectUsage(*ns_, {"--socks5", "198.18.1.2:0"},
              "--socks5: the port must be 1 to 65535");
  ExpectUsage(*ns_, {"--socks5", "2001:db8:1::2:1080"},
              "--socks5: put an IPv6 address in brackets");
  ExpectUsage(*ns_,
              {"--socks5", "198.18.1.2:1080", "--socks5-user",
               std::string(256, 'u'), "--socks5-pass", "p"},
              "--socks5-user must be 1 to 255 bytes");
}

}  // namespace
}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOL_PATH
