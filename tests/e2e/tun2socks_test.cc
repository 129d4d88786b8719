// `fdlink tun2socks --direct` end to end, run as a subprocess: a client
// namespace routes 198.18.2.0/24 and 2001:db8:2::/64 into the TUN t2s0,
// the tool dials each connection out over a veth (its marked or bound
// sockets take the other route) to a server namespace that owns
// 198.18.2.1 and 2001:db8:2::1, and kernel clients check what arrives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/e2e_util.h"
#include "fdlink/sys/syscalls.h"

#ifdef FDLINK_TOOL_PATH

namespace fdlink::e2e {
namespace {

using ::testing::HasSubstr;

constexpr char kTool[] = FDLINK_TOOL_PATH;
constexpr char kDst4[] = "198.18.2.1";
constexpr char kDst6[] = "2001:db8:2::1";
constexpr uint16_t kPort = 8080;
constexpr uint16_t kClosedPort = 8081;
constexpr uint16_t kUdpPort = 5353;
constexpr size_t kSize = 1 << 20;

// ServerResult is what the server saw of one connection.
struct ServerResult {
  std::vector<uint8_t> received;
  bool done = false;
};

class Tun2socksTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    Result<device::NetNs> srv = device::NetNs::Create();
    ASSERT_TRUE(srv) << srv.error().ToString();
    server_ns_.emplace(std::move(*srv));
    // No duplicate address detection (addresses work at once), and no
    // reverse-path filter: the replies of the tool's own connections come
    // in on v-cli from addresses the main table routes into the TUN.
    for (const device::NetNs* ns : {&*ns_, &*server_ns_}) {
      ASSERT_TRUE(ns->Run([] {
        for (const char* c : {"default", "all"}) {
          WriteProcFile(
              std::string("/proc/sys/net/ipv6/conf/") + c + "/accept_dad", "0");
          WriteProcFile(
              std::string("/proc/sys/net/ipv4/conf/") + c + "/rp_filter", "0");
        }
      }));
    }
    Ip(*ns_, {"link", "add", "v-cli", "type", "veth", "peer", "name", "v-srv"});
    Ip(*ns_, {"link", "set", "v-srv", "netns", server_ns_->path()});
    Ip(*ns_, {"addr", "add", "198.18.1.1/24", "dev", "v-cli"});
    Ip(*ns_,
       {"-6", "addr", "add", "2001:db8:1::1/64", "dev", "v-cli", "nodad"});
    Ip(*ns_, {"link", "set", "v-cli", "up"});
    Ip(*server_ns_, {"addr", "add", "198.18.1.2/24", "dev", "v-srv"});
    Ip(*server_ns_,
       {"-6", "addr", "add", "2001:db8:1::2/64", "dev", "v-srv", "nodad"});
    Ip(*server_ns_, {"link", "set", "v-srv", "up"});
    Ip(*server_ns_, {"addr", "add", "198.18.2.1/32", "dev", "lo"});
    Ip(*server_ns_, {"-6", "addr", "add", "2001:db8:2::1/128", "dev", "lo"});
    // Marked sockets (--fwmark 1) take table 100 over the veth; sockets
    // bound to v-cli (--bind-device) find the metric-2000 routes (IPv6
    // routes default to metric 1024: the TUN routes must win).
    Ip(*ns_, {"rule", "add", "fwmark", "0x1", "lookup", "100"});
    Ip(*ns_, {"-6", "rule", "add", "fwmark", "0x1", "lookup", "100"});
    Ip(*ns_,
       {"route", "add", "198.18.2.0/24", "via", "198.18.1.2", "table", "100"});
    Ip(*ns_, {"-6", "route", "add", "2001:db8:2::/64", "via", "2001:db8:1::2",
              "table", "100"});
    Ip(*ns_, {"route", "add", "198.18.2.0/24", "via", "198.18.1.2", "dev",
              "v-cli", "metric", "2000"});
    Ip(*ns_, {"-6", "route", "add", "2001:db8:2::/64", "via", "2001:db8:1::2",
              "dev", "v-cli", "metric", "2000"});
  }

  void TearDown() override {
    echo_stop_ = true;
    tool_.reset();
    for (std::thread& t : threads_) t.join();
    E2eTest::TearDown();
  }

  // Ip runs `ip ARGS...` in `ns` and expects it to succeed.
  void Ip(const device::NetNs& ns, std::vector<std::string> args) {
    args.insert(args.begin(), "ip");
    std::string out;
    Result<int> r = device::RunCommandIn(ns, args, &out, 30000);
    ASSERT_TRUE(r) << r.error().ToString();
    std::string line;
    for (const std::string& a : args) line += a + " ";
    ASSERT_EQ(*r, 0) << line << ": " << out;
  }

  // StartTool runs tun2socks on t2s0 with `extra` flags, waits for its
  // ready line and routes the destinations into the TUN.
  void StartTool(std::vector<std::string> extra, bool direct = true) {
    std::vector<std::string> args{"tun2socks", "--tun", "t2s0"};
    if (direct) args.push_back("--direct");
    args.insert(args.end(), extra.begin(), extra.end());
    tool_ = ToolProcess::Start(*ns_, kTool, args);
    ASSERT_TRUE(tool_);
    ASSERT_TRUE(tool_->WaitForOutput("ready", 30s)) << tool_->output();
    Ip(*ns_, {"route", "add", "198.18.2.0/24", "dev", "t2s0"});
    Ip(*ns_, {"-6", "route", "add", "2001:db8:2::/64", "dev", "t2s0"});
  }

  // Listen opens a TCP listener in the server namespace on ip:port.
  UniqueFd Listen(const std::string& ip, uint16_t port) {
    const SockAddr a = MakeSockAddr(ip, port);
    UniqueFd s;
    EXPECT_TRUE(server_ns_->Run([&] {
      s.reset(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
      const int one = 1;
      ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (::bind(s.get(), a.get(), a.len) != 0 || ::listen(s.get(), 16) != 0)
        s.reset();
    }));
    EXPECT_TRUE(s.valid()) << "listen " << ip << ":" << port;
    return s;
  }

  // Serve accepts one connection on `listener`, reads it to end of file
  // (or `want` bytes, when not 0) into *result, then writes `reply` and
  // closes.
  void Serve(UniqueFd listener, std::vector<uint8_t> reply,
             ServerResult* result, size_t want = 0) {
    threads_.emplace_back([l = std::move(listener), reply, result, want] {
      timeval tv{20, 0};
      ::setsockopt(l.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      UniqueFd c(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c.valid()) return;
      ::setsockopt(c.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      ::setsockopt(c.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      std::vector<uint8_t> buf(65536);
      for (;;) {
        const ssize_t n = ::recv(c.get(), buf.data(), buf.size(), 0);
        if (n <= 0) break;
        result->received.insert(result->received.end(), buf.begin(),
                                buf.begin() + n);
        if (want != 0 && result->received.size() >= want) break;
      }
      size_t off = 0;
      while (off < reply.size()) {
        const ssize_t n = ::send(c.get(), reply.data() + off,
                                 reply.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
      }
      result->done = true;
    });
  }

  // Exchange connects from the client namespace to ip:port, sends
  // `request`, shuts its write side (unless `half_close` is false: then it
  // stops after `reply_size` bytes) and reads the reply to end of file.
  // Returns the errno of a failure (0: fine).
  int Exchange(const std::string& ip, uint16_t port,
               const std::vector<uint8_t>& request, std::vector<uint8_t>* reply,
               bool half_close = true, size_t reply_size = 0) {
    const SockAddr to = MakeSockAddr(ip, port);
    UniqueFd s;
    EXPECT_TRUE(ns_->Run(
        [&] { s.reset(::socket(to.family, SOCK_STREAM | SOCK_CLOEXEC, 0)); }));
    if (!s.valid()) return EBADF;
    timeval tv{20, 0};
    ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(s.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (::connect(s.get(), to.get(), to.len) != 0) return errno;
    size_t off = 0;
    while (off < request.size()) {
      const ssize_t n = ::send(s.get(), request.data() + off,
                               request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return errno;
      off += static_cast<size_t>(n);
    }
    if (half_close) ::shutdown(s.get(), SHUT_WR);
    std::vector<uint8_t> buf(65536);
    for (;;) {
      if (!half_close && reply->size() >= reply_size) return 0;
      const ssize_t n = ::recv(s.get(), buf.data(), buf.size(), 0);
      if (n == 0) return 0;
      if (n < 0) return errno;
      reply->insert(reply->end(), buf.begin(), buf.begin() + n);
    }
  }

  // ExpectTransfer moves 1 MiB each way through the tool to dst:kPort,
  // the client half-closing after its request (unless `half_close` is
  // false: microsocks ends both directions at the first end of file).
  void ExpectTransfer(const std::string& dst, bool half_close = true) {
    ServerResult server;
    const std::vector<uint8_t> request = Payload(kSize, 1);
    const std::vector<uint8_t> reply = Payload(kSize, 2);
    Serve(Listen(dst, kPort), reply, &server, half_close ? 0 : kSize);
    std::vector<uint8_t> got;
    EXPECT_EQ(Exchange(dst, kPort, request, &got, half_close, kSize), 0)
        << tool_->output();
    threads_.back().join();
    threads_.pop_back();
    EXPECT_TRUE(server.done) << tool_->output();
    EXPECT_EQ(server.received.size(), request.size());
    EXPECT_TRUE(server.received == request) << "client -> server bytes differ";
    EXPECT_EQ(got.size(), reply.size());
    EXPECT_TRUE(got == reply) << "server -> client bytes differ";
  }

  // StopTool sends SIGTERM and expects exit 0 within a second.
  void StopTool() {
    tool_->Signal(SIGTERM);
    const auto t0 = std::chrono::steady_clock::now();
    const std::optional<int> status = tool_->WaitExit(2s);
    ASSERT_TRUE(status) << "still running after SIGTERM:\n" << tool_->output();
    EXPECT_EQ(*status, 0) << tool_->output();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  }

  // StoppedCounters is the "counters" object of the JSON stopped event.
  nlohmann::json StoppedCounters() {
    const std::string& out = tool_->output();
    size_t at = out.find("{\"event\":\"stopped\"");
    if (at == std::string::npos) return {};
    const size_t end = out.find('\n', at);
    nlohmann::json j = nlohmann::json::parse(out.substr(at, end - at), nullptr,
                                             /*allow_exceptions=*/false);
    return j.is_object() ? j["counters"] : nlohmann::json();
  }

  std::optional<device::NetNs> server_ns_;
  std::unique_ptr<ToolProcess> tool_;
  std::vector<std::thread> threads_;
  std::atomic<bool> echo_stop_{false};  // Ends the UDP echo thread.
};

TEST_F(Tun2socksTest, RelaysOneMebibyteEachWayIpv4AndIpv6WithHalfClose) {
  ASSERT_NO_FATAL_FAILURE(StartTool({"--fwmark", "1", "--json"}));
  ExpectTransfer(kDst4);
  ExpectTransfer(kDst6);
  StopTool();
  const nlohmann::json c = StoppedCounters();
  ASSERT_TRUE(c.is_object()) << tool_->output();
  EXPECT_EQ(c["connections"]["total"], 2) << c.dump();
  EXPECT_EQ(c["connections"]["failed"], 0) << c.dump();
  EXPECT_EQ(c["connections"]["open"], 0) << c.dump();
  EXPECT_GE(c["bytes"]["client_to_upstream"].get<uint64_t>(), 2 * kSize);
  EXPECT_GE(c["bytes"]["upstream_to_client"].get<uint64_t>(), 2 * kSize);
}

TEST_F(Tun2socksTest, RelaysThroughMicrosocks) {
  // microsocks in the server namespace, reached over the veth (not a
  // route into the TUN, so no mark is needed).
  std::unique_ptr<ToolProcess> socks = ToolProcess::Start(
      *server_ns_, "microsocks", {"-i", "198.18.1.2", "-p", "1080"});
  ASSERT_TRUE(socks);
  ASSERT_NO_FATAL_FAILURE(
      StartTool({"--socks5", "198.18.1.2:1080", "--json"}, /*direct=*/false));
  EXPECT_THAT(tool_->output(),
              HasSubstr("\"upstream\":\"socks5 198.18.1.2:1080\""));
  // microsocks may take a moment to listen: the first connection retries.
  std::vector<uint8_t> got;
  for (int i = 0; i < 50; ++i) {
    std::string out;
    Result<int> r =
        device::RunCommandIn(*server_ns_, {"ss", "-ltn"}, &out, 10000);
    if (r && out.find("198.18.1.2:1080") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  ExpectTransfer(kDst4, /*half_close=*/false);
  ExpectTransfer(kDst6, /*half_close=*/false);
  std::vector<uint8_t> none;
  EXPECT_EQ(Exchange(kDst4, kClosedPort, Payload(10, 4), &none), ECONNREFUSED);
  StopTool();
  const nlohmann::json c = StoppedCounters();
  ASSERT_TRUE(c.is_object()) << tool_->output();
  EXPECT_EQ(c["connections"]["total"], 3) << c.dump();
  EXPECT_EQ(c["connections"]["failed"], 1) << c.dump();
}

TEST_F(Tun2socksTest, BindDeviceVariantRelaysAndPrintsTextCounters) {
  ASSERT_NO_FATAL_FAILURE(StartTool({"--bind-device", "v-cli"}));
  ExpectTransfer(kDst4);
  StopTool();
  EXPECT_THAT(tool_->output(), HasSubstr("stopped by SIGTERM"));
  EXPECT_THAT(tool_->output(),
              HasSubstr("connections open 0 total 1 failed 0"));
}

TEST_F(Tun2socksTest, RefusedPortGivesTheClientAResetWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(StartTool({"--fwmark", "1", "--json"}));
  std::vector<uint8_t> got;
  const auto t0 = std::chrono::steady_clock::now();
  const int err = Exchange(kDst4, kClosedPort, Payload(100, 3), &got);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(err, ECONNREFUSED) << std::strerror(err) << "\n" << tool_->output();
  StopTool();
  const nlohmann::json c = StoppedCounters();
  ASSERT_TRUE(c.is_object()) << tool_->output();
  EXPECT_EQ(c["connections"]["failed_by"]["refused"], 1) << c.dump();
}

TEST_F(Tun2socksTest, UdpEchoThroughTheRelay) {
  // A UDP echo server in the server namespace.
  UniqueFd echo;
  ASSERT_TRUE(server_ns_->Run([&] {
    echo.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const SockAddr a = MakeSockAddr(kDst4, kUdpPort);
    if (::bind(echo.get(), a.get(), a.len) != 0) echo.reset();
  }));
  ASSERT_TRUE(echo.valid());
  threads_.emplace_back([echo = std::move(echo), &stop = echo_stop_] {
    timeval tv{0, 100000};
    ::setsockopt(echo.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::vector<uint8_t> buf(2048);
    while (!stop) {
      sockaddr_storage from{};
      socklen_t len = sizeof(from);
      const ssize_t n = ::recvfrom(echo.get(), buf.data(), buf.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &len);
      if (n > 0)
        ::sendto(echo.get(), buf.data(), n, 0,
                 reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  ASSERT_NO_FATAL_FAILURE(StartTool({"--fwmark", "1", "--json"}));
  const UniqueFd s = OpenUdpIn(*ns_, AF_INET);
  const bool echoed =
      UdpEcho(s.get(), MakeSockAddr(kDst4, kUdpPort), Payload(600, 9), 10s);
  EXPECT_TRUE(echoed) << tool_->output();
  StopTool();
  const nlohmann::json c = StoppedCounters();
  ASSERT_TRUE(c.is_object()) << tool_->output();
  EXPECT_GE(c["udp"]["total"].get<uint64_t>(), 1u) << c.dump();
  EXPECT_GE(c["udp"]["datagrams_upstream_to_client"].get<uint64_t>(), 1u);
}

TEST_F(Tun2socksTest, PcapFileIsReadByTcpdump) {
  const std::string path =
      "/tmp/fdlink_t2s_" + std::to_string(::getpid()) + ".pcap";
  ASSERT_NO_FATAL_FAILURE(StartTool({"--fwmark", "1", "--pcap", path}));
  ExpectTransfer(kDst4);
  StopTool();
  std::string text;
  FILE* p = ::popen(("tcpdump -nn -r " + path + " 2>/dev/null").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  EXPECT_EQ(::pclose(p), 0);
  std::remove(path.c_str());
  EXPECT_THAT(text, HasSubstr("> 198.18.2.1.8080: Flags [S]"));
  EXPECT_THAT(text, HasSubstr("198.18.2.1.8080 > "));
}

TEST_F(Tun2socksTest, StatsEventsAreJsonLines) {
  ASSERT_NO_FATAL_FAILURE(
      StartTool({"--fwmark", "1", "--json", "--stats-interval", "50"}));
  ASSERT_TRUE(tool_->WaitForOutput("\"event\":\"stats\"", 10s))
      << tool_->output();
  StopTool();
  size_t lines = 0;
  for (size_t at = 0; at < tool_->output().size();) {
    const size_t end = tool_->output().find('\n', at);
    const std::string line = tool_->output().substr(at, end - at);
    at = end == std::string::npos ? tool_->output().size() : end + 1;
    if (line.empty() || line[0] != '{') continue;  // stderr lines.
    const nlohmann::json j =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << line;
    if (!j.is_discarded() && j["event"] == "stats") {
      EXPECT_EQ(j["counters"]["nat"]["entries_open"], 0) << line;
      EXPECT_EQ(j["counters"]["pcbs"], 0) << line;
    }
    ++lines;
  }
  EXPECT_GE(lines, 3u);  // ready, a stats event, stopped.
}

// BadArgs runs the tool with `args` and expects exit 2 and `message`.
void ExpectBadArgs(const device::NetNs& ns, std::vector<std::string> args,
                   const std::string& message) {
  args.insert(args.begin(), {kTool, "tun2socks"});
  std::string out;
  Result<int> r = device::RunCommandIn(ns, args, &out, 30000);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, 2) << out;
  EXPECT_THAT(out, HasSubstr(message));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST_F(Tun2socksTest, BadArgumentsExitTwoWithOneLine) {
  ExpectBadArgs(*ns_,
                {"--tun", "t2s0", "--socks5", "198.18.1.2:1080", "--direct",
                 "--fwmark", "1"},
                "--socks5 and --direct cannot be combined; use one");
  ExpectBadArgs(*ns_, {"--tun", "t2s0"},
                "one of --socks5 HOST:PORT or --direct is required");
  ExpectBadArgs(*ns_, {"--tun", "t2s0", "--direct"},
                "--direct needs --fwmark N");
  ExpectBadArgs(*ns_, {"--tun", "t2s0", "--direct", "--fwmark", "zero"},
                "--fwmark zero: expected a mark from 1 to 4294967295");
  ExpectBadArgs(*ns_, {"--tun", "t2s0", "--direct", "--bind-device", "t2s0"},
                "is the TUN itself");
  ExpectBadArgs(*ns_, {"--direct", "--fwmark", "1"}, "--tun NAME is required");
  ExpectBadArgs(
      *ns_,
      {"--tun", "t2s0", "--direct", "--fwmark", "1", "--send-buffer", "8"},
      "--send-buffer: Value 8 not in range 64 to 16384");
  ExpectBadArgs(
      *ns_,
      {"--tun", "t2s0", "--direct", "--fwmark", "1", "--txqueuelen", "-1"},
      "--txqueuelen: Value -1 not in range 0 to 1048576");
}

}  // namespace
}  // namespace fdlink::e2e

#endif  // FDLINK_TOOL_PATH
