// The fdlink tool end to end, run as a subprocess inside the test's
// namespace: `fdlink serve` on a TUN and a TAP device is pinged and sent
// UDP by the kernel, then stopped by a signal; its argument errors are one
// line each; `fdlink demo` in its TUN mode passes.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "e2e/e2e_util.h"
#include "fdlink/sys/syscalls.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

#ifdef FDLINK_TOOL_PATH

namespace fdlink::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kTool[] = FDLINK_TOOL_PATH;

// CounterAfter reads the number that follows `label` in `text` (e.g.
// "icmpv4 " in serve's summary), or -1 if the label is missing.
long CounterAfter(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return -1;
  return std::strtol(text.c_str() + at + label.size(), nullptr, 10);
}

// WaitUdp has the kernel get a UDP echo from `ip` (port `port`).
bool WaitUdp(const device::NetNs& ns, const char* ip, uint16_t port = 7) {
  const UniqueFd s = OpenUdpIn(
      ns, std::string(ip).find(':') != std::string::npos ? AF_INET6 : AF_INET);
  return UdpEcho(s.get(), MakeSockAddr(ip, port), Payload(100, port), 10s);
}

TEST_F(E2eTest, ServeOnTunIsPingedThenStopsOnSigterm) {
  std::unique_ptr<ToolProcess> serve = ToolProcess::Start(
      *ns_, kTool,
      {"serve", "--tun", "fdsrv0", "--addr", kOurs4, "--addr",
       std::string(kOurs6) + "/64", "--device-addr", kKernel4, "--device-addr",
       kKernel6});
  ASSERT_TRUE(serve);
  ASSERT_TRUE(serve->WaitForOutput(
      "ready tun fdsrv0 198.18.0.2 2001:db8::2 udp-echo 7\n", 30s))
      << serve->output();

  ASSERT_TRUE(WaitUdp(*ns_, kOurs4)) << serve->output();
  ASSERT_TRUE(WaitUdp(*ns_, kOurs6)) << serve->output();
  for (const char* ip : {kOurs4, kOurs6}) {
    const PingResult p = Ping(*ns_, ip, 3);
    EXPECT_EQ(p.received, 3) << p.output;
  }

  serve->Signal(SIGTERM);
  const auto t0 = std::chrono::steady_clock::now();
  const std::optional<int> status = serve->WaitExit(1s);
  ASSERT_TRUE(status) << "still running a second after SIGTERM:\n"
                      << serve->output();
  EXPECT_EQ(*status, 0) << serve->output();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_THAT(serve->output(), HasSubstr("stopped by SIGTERM"));
  // ping waits for 3 replies and may send a request more if one is late.
  EXPECT_GE(CounterAfter(serve->output(), "icmpv4_echo_replies "), 3)
      << serve->output();
  EXPECT_GE(CounterAfter(serve->output(), "icmpv6_echo_replies "), 3)
      << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("tx_failed 0"));
  EXPECT_THAT(serve->output(), HasSubstr("  endpoint  rx_packets "));
}

// PcapText is `tcpdump -nn -r path` (empty when it fails).
std::string PcapText(const std::string& path) {
  std::string out;
  FILE* p = ::popen(("tcpdump -nn -r " + path + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return ::pclose(p) == 0 ? out : std::string();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST_F(E2eTest, ServeWithPcapWritesWhatTcpdumpReads) {
  const std::string path =
      "/tmp/fdlink_serve_" + std::to_string(::getpid()) + ".pcap";
  std::unique_ptr<ToolProcess> serve = ToolProcess::Start(
      *ns_, kTool,
      {"serve", "--tun", "fdsrvcap0", "--addr", kOurs4, "--device-addr",
       kKernel4, "--pcap", path, "--pcap-filter", "icmp"});
  ASSERT_TRUE(serve);
  ASSERT_TRUE(serve->WaitForOutput("ready tun fdsrvcap0", 30s))
      << serve->output();
  ASSERT_TRUE(WaitUdp(*ns_, kOurs4)) << serve->output();
  const PingResult p = Ping(*ns_, kOurs4, 3);
  EXPECT_EQ(p.received, 3) << p.output;
  serve->Signal(SIGTERM);
  const std::optional<int> status = serve->WaitExit(1s);
  ASSERT_TRUE(status) << serve->output();
  EXPECT_EQ(*status, 0) << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("fdlink serve: captured "));

  const std::string text = PcapText(path);
  std::remove(path.c_str());
  // ping sends a request more if a reply is late; the filter kept no UDP.
  EXPECT_GE(Count(text, "ICMP echo request"), 3u) << text;
  EXPECT_GE(Count(text, "ICMP echo reply"), 3u) << text;
  EXPECT_EQ(Count(text, "UDP"), 0u) << text;
  EXPECT_NE(text.find("198.18.0.2 > 198.18.0.1: ICMP echo reply"),
            std::string::npos)
      << text;
}

// ServeOffloadCase is a set of offload switches for `fdlink serve --tun`,
// the offload line it must print, and whether the kernel then has UDP
// segmentation offload on the device.
struct ServeOffloadCase {
  const char* name;
  std::vector<std::string> flags;
  std::string line;
  bool uso_on;
};

const ServeOffloadCase kServeOffloadCases[] = {
    {"Default",
     {},
     "offloads: vnet header, kernel csum,tso4,tso6,uso4,uso6; gso on, tcp-gro "
     "on, udp-gro on, csum-offload on",
     true},
    {"NoOffload",
     {"--no-offload"},
     "offloads: no vnet header; gso off, tcp-gro off, udp-gro off, "
     "csum-offload off",
     false},
    {"NoGso",
     {"--no-gso"},
     "offloads: vnet header, kernel csum,tso4,tso6,uso4,uso6; gso off, "
     "tcp-gro on, udp-gro on, csum-offload on",
     true},
    {"NoTcpGro",
     {"--no-tcp-gro"},
     "offloads: vnet header, kernel csum,uso4,uso6; gso on, tcp-gro off, "
     "udp-gro on, csum-offload on",
     true},
    {"NoUdpGro",
     {"--no-udp-gro"},
     "offloads: vnet header, kernel csum,tso4,tso6; gso on, tcp-gro on, "
     "udp-gro off, csum-offload on",
     false},
    {"NoCsumOffload",
     {"--no-csum-offload"},
     "offloads: vnet header, kernel none; gso on, tcp-gro on, udp-gro on, "
     "csum-offload off",
     false},
};

// serve --mode io_uring reads its TUN through io_uring (this kernel has
// what the mode needs: no fallback line) and serves; a mode the fds cannot
// take (packet_mmap on a TUN) falls back to readv with one line saying why.
TEST_F(E2eTest, ServeTakesIoUringAndNamesAFallback) {
  for (const std::string mode : {"io_uring", "packet_mmap"}) {
    // One device per mode: the first one's may still be going away.
    const std::string dev = mode == "io_uring" ? "fdsuring0" : "fdsuring1";
    std::unique_ptr<ToolProcess> serve =
        ToolProcess::Start(*ns_, kTool,
                           {"serve", "--tun", dev, "--addr", kOurs4,
                            "--device-addr", kKernel4, "--mode", mode});
    ASSERT_TRUE(serve);
    ASSERT_TRUE(serve->WaitForOutput("ready tun " + dev, 30s))
        << serve->output();
    if (mode == "io_uring") {
      EXPECT_THAT(serve->output(), HasSubstr("1 fd, io_uring, "));
      EXPECT_THAT(serve->output(), Not(HasSubstr("reading with")));
    } else {
      EXPECT_THAT(serve->output(),
                  HasSubstr("fdlink serve: tun fdsuring1: reading with readv: "
                            "packet_mmap: not every fd is an AF_PACKET "
                            "socket\n"));
    }
    EXPECT_TRUE(WaitUdp(*ns_, kOurs4)) << serve->output();
    const PingResult p = Ping(*ns_, kOurs4, 2);
    EXPECT_EQ(p.received, 2) << p.output;
    serve->Signal(SIGTERM);
    EXPECT_EQ(serve->WaitExit(5s), 0) << serve->output();
  }
}

class ServeOffloadTest
    : public E2eTest,
      public ::testing::WithParamInterface<ServeOffloadCase> {};

// serve opens its TUN with the offloads the switches leave on, says so,
// the kernel agrees (ethtool), and it answers pings and UDP either way.
TEST_P(ServeOffloadTest, NegotiatesWhatTheSwitchesAllowAndServes) {
  const ServeOffloadCase& c = GetParam();
  std::vector<std::string> args{"serve", "--tun",         "fdsoff0", "--addr",
                                kOurs4,  "--device-addr", kKernel4};
  args.insert(args.end(), c.flags.begin(), c.flags.end());
  std::unique_ptr<ToolProcess> serve = ToolProcess::Start(*ns_, kTool, args);
  ASSERT_TRUE(serve);
  ASSERT_TRUE(serve->WaitForOutput("ready tun fdsoff0", 30s))
      << serve->output();
  EXPECT_THAT(serve->output(),
              HasSubstr("fdlink serve: tun fdsoff0: " + c.line + "\n"));
  std::string k;
  Result<int> ethtool =
      device::RunCommandIn(*ns_, {"ethtool", "-k", "fdsoff0"}, &k, 5000);
  ASSERT_TRUE(ethtool) << ethtool.error().ToString();
  EXPECT_THAT(k, HasSubstr(std::string("tx-udp-segmentation: ") +
                           (c.uso_on ? "on" : "off")));
  EXPECT_TRUE(WaitUdp(*ns_, kOurs4)) << serve->output();
  const PingResult p = Ping(*ns_, kOurs4, 2);
  EXPECT_EQ(p.received, 2) << p.output;
  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->WaitExit(5s), 0) << serve->output();
}

INSTANTIATE_TEST_SUITE_P(Switches, ServeOffloadTest,
                         ::testing::ValuesIn(kServeOffloadCases),
                         [](const auto& info) { return info.param.name; });

TEST_F(E2eTest, ServeOnTapAnswersArpAndPrintsJsonOnSigint) {
  std::unique_ptr<ToolProcess> serve = ToolProcess::Start(
      *ns_, kTool, {"serve",    "--tap",         "fdsrvtap0", "--addr",
                    kOurs4,     "--device-addr", kKernel4,    "--queues",
                    "2",        "--processors",  "2",         "--mode",
                    "recvmmsg", "--udp-echo",    "7",         "--udp-echo",
                    "9",        "--mtu",         "9000",      "--json"});
  ASSERT_TRUE(serve);
  ASSERT_TRUE(serve->WaitForOutput(
      "{\"event\":\"ready\",\"kind\":\"tap\",\"name\":\"fdsrvtap0\","
      "\"addrs\":[\"198.18.0.2\"],\"udp_echo\":[7,9],"
      "\"offload\":{\"vnet_header\":false,\"kernel\":\"none\","
      "\"kernel_bits\":0,\"gso\":true,\"tcp_gro\":true,\"udp_gro\":true,"
      "\"checksum_offload\":true}}\n",
      30s))
      << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("MTU 9000, 2 fds"));

  ASSERT_TRUE(WaitUdp(*ns_, kOurs4, 9)) << serve->output();
  const PingResult p = Ping(*ns_, kOurs4, 3);
  EXPECT_EQ(p.received, 3) << p.output;

  serve->Signal(SIGINT);
  const std::optional<int> status = serve->WaitExit(1s);
  ASSERT_TRUE(status) << "still running a second after SIGINT:\n"
                      << serve->output();
  EXPECT_EQ(*status, 0) << serve->output();
  EXPECT_THAT(serve->output(),
              HasSubstr("{\"event\":\"stopped\",\"stopped_by\":\"SIGINT\""));
  EXPECT_GE(CounterAfter(serve->output(), "\"icmpv4_echo_replies\":"), 3)
      << serve->output();
  EXPECT_GE(CounterAfter(serve->output(), "\"arp_replies\":"), 1)
      << "the kernel resolved us, so there was an ARP reply";
  EXPECT_THAT(serve->output(), HasSubstr("\"tx_failed\":0"));
}

// serve on a veth end through AF_PACKET sockets in packet_mmap mode: the
// kernel on the other end pings it through the receive ring.
TEST_F(E2eTest, ServeOnPacketSocketInPacketMmapModeAnswersPings) {
  std::string out;
  for (const std::vector<std::string>& ip :
       std::vector<std::vector<std::string>>{
           {"ip", "link", "add", "fdpm0", "type", "veth", "peer", "name",
            "fdpm1"},
           {"ip", "addr", "add", kKernel4, "dev", "fdpm0"},
           {"ip", "link", "set", "fdpm0", "up"},
           {"ip", "link", "set", "fdpm1", "up"}}) {
    Result<int> r = device::RunCommandIn(*ns_, ip, &out, 30000);
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(*r, 0) << out;
  }
  std::unique_ptr<ToolProcess> serve = ToolProcess::Start(
      *ns_, kTool,
      {"serve", "--packet-socket", "fdpm1", "--queues", "2", "--addr", kOurs4,
       "--mode", "packet_mmap", "--processors", "1"});
  ASSERT_TRUE(serve);
  ASSERT_TRUE(serve->WaitForOutput("ready packet-socket fdpm1", 30s))
      << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("packet_mmap"));
  const PingResult p = Ping(*ns_, kOurs4, 3);
  EXPECT_EQ(p.received, 3) << p.output;
  serve->Signal(SIGTERM);
  const std::optional<int> status = serve->WaitExit(5s);
  ASSERT_TRUE(status) << serve->output();
  EXPECT_EQ(*status, 0) << serve->output();
  EXPECT_GE(CounterAfter(serve->output(), "icmpv4_echo_replies "), 3)
      << serve->output();
}

// serve on an inherited socketpair end (raw IP): the test plays the peer,
// gets a UDP echo, then hangs up, which ends serve with status 0.
TEST_F(E2eTest, ServeOnInheritedFdEchoesAndExitsWhenThePeerCloses) {
  UniqueFd ours, peer;
  ASSERT_TRUE(sys::SocketPair(SOCK_SEQPACKET, &ours, &peer));
  // Only this child inherits `ours`: close-on-exec is cleared for the
  // spawn and our copy closed right after it.
  ASSERT_EQ(::fcntl(ours.get(), F_SETFD, 0), 0);
  const std::string fd_text = std::to_string(ours.get());
  std::unique_ptr<ToolProcess> serve = ToolProcess::Start(
      *ns_, kTool,
      {"serve", "--fd", fd_text, "--addr", kOurs4, "--processors", "1"});
  ours.reset();
  ASSERT_TRUE(serve);
  ASSERT_TRUE(serve->WaitForOutput("ready fd ", 30s)) << serve->output();

  const std::vector<uint8_t> req =
      fdlink::testing::Ipv4Udp("198.18.0.1", kOurs4, 4000, 7, 64);
  fdlink::testing::Send(peer.get(), req);
  const std::vector<uint8_t> reply = fdlink::testing::RecvOne(peer.get(), 10s);
  ASSERT_EQ(reply.size(), req.size()) << serve->output();
  EXPECT_TRUE(std::equal(req.begin() + 28, req.end(), reply.begin() + 28))
      << "UDP payload not echoed byte-exact";

  peer.reset();
  const std::optional<int> status = serve->WaitExit(10s);
  ASSERT_TRUE(status) << "still running after its peer hung up:\n"
                      << serve->output();
  EXPECT_EQ(*status, 0) << serve->output();
  EXPECT_THAT(serve->output(), HasSubstr("stopped by peer_closed"));
  EXPECT_THAT(serve->output(),
              HasSubstr("fdlink serve: fd " + fd_text + ": the peer hung up"));
  EXPECT_THAT(serve->output(), HasSubstr("udp_echoes 1)"));
}

TEST_F(E2eTest, ServeArgumentErrorsAreOneLine) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--addr", kOurs4}, "exactly one of --tun, --tap"},
      {{"--tun", "fdbad0", "--tap", "fdbad1", "--addr", kOurs4},
       "exactly one of --tun, --tap"},
      {{"--tun", "fdbad0"}, "at least one --addr"},
      {{"--tun", "fdbad0", "--addr", "198.18.0.300"}, "bad address"},
      {{"--tun", "fdbad0", "--addr", kOurs4, "--device-addr", "198.18.0.1"},
       "bad CIDR"},
      {{"--fd", "0", "--addr", kOurs4, "--queues", "2"}, "--queues needs"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> argv{kTool, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    Result<int> status = device::RunCommandIn(*ns_, argv, &out, 30000);
    ASSERT_TRUE(status) << status.error().ToString();
    EXPECT_EQ(*status, 2) << out;
    EXPECT_THAT(out, StartsWith("fdlink serve: "));
    EXPECT_THAT(out, HasSubstr(message));
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
  std::string help;
  Result<int> status =
      device::RunCommandIn(*ns_, {kTool, "serve", "--help"}, &help, 30000);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0);
  EXPECT_THAT(help, HasSubstr("--packet-socket"));
}

// DemoCase is a set of demo flags and the offload JSON field it reports.
struct DemoCase {
  const char* name;
  std::vector<std::string> flags;
  std::string offload;
};

class DemoTunTest : public E2eTest,
                    public ::testing::WithParamInterface<DemoCase> {};

TEST_P(DemoTunTest, DemoTunModePasses) {
  std::vector<std::string> argv{kTool,      "demo", "--seconds", "1",
                                "--cycles", "2",    "--json"};
  argv.insert(argv.end(), GetParam().flags.begin(), GetParam().flags.end());
  std::string out;
  Result<int> status = device::RunCommandIn(*ns_, argv, &out, 60000);
  ASSERT_TRUE(status) << status.error().ToString() << "\n" << out;
  EXPECT_EQ(*status, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"mode\":\"tun\""));
  EXPECT_THAT(out, HasSubstr("\"offload\":" + GetParam().offload));
  EXPECT_THAT(out, HasSubstr("\"detach_cycles\":2"));
  EXPECT_THAT(out, HasSubstr("\"ok\":true"));
}

INSTANTIATE_TEST_SUITE_P(
    Offload, DemoTunTest,
    ::testing::Values(
        DemoCase{"Default",
                 {},
                 "{\"vnet_header\":true,\"kernel\":\"csum,tso4,tso6,uso4,"
                 "uso6\",\"kernel_bits\":103,\"gso\":true,\"tcp_gro\":true,"
                 "\"udp_gro\":true,\"checksum_offload\":true}"},
        DemoCase{"NoOffload",
                 {"--no-offload"},
                 "{\"vnet_header\":false,\"kernel\":\"none\",\"kernel_bits\":"
                 "0,\"gso\":false,\"tcp_gro\":false,\"udp_gro\":false,"
                 "\"checksum_offload\":false}"}),
    [](const auto& info) { return info.param.name; });

TEST_F(E2eTest, DemoTextModePrintsTheOffloads) {
  std::string out;
  Result<int> status = device::RunCommandIn(
      *ns_, {kTool, "demo", "--seconds", "0.5", "--cycles", "0", "--no-gso"},
      &out, 60000);
  ASSERT_TRUE(status) << status.error().ToString() << "\n" << out;
  EXPECT_EQ(*status, 0) << out;
  EXPECT_THAT(out, HasSubstr("\n  offload  offloads: vnet header, kernel "
                             "csum,tso4,tso6,uso4,uso6; gso off, tcp-gro on, "
                             "udp-gro on, csum-offload on\n"));
}

}  // namespace
}  // namespace fdlink::e2e

#endif  // FDLINK_TOOL_PATH
