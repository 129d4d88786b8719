// The fdlink tool as scripts use it, run as a subprocess inside the test's
// namespace: exit statuses (0 success, 1 runtime failure, 2 usage error),
// --version and --help, one-line errors in the CLI's words, --json output
// that is JSON Lines only (errors included), the refusal of a second serve
// on a device, serve's exit when its interface is deleted, torture's
// verdict and bench's status when nothing was measured.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "e2e/e2e_util.h"
#include "testing/json_lines.h"

#ifdef FDLINK_TOOL_PATH

namespace fdlink::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kTool[] = FDLINK_TOOL_PATH;

// StderrFile is a scratch file the tool's stderr goes to, so that the
// captured output is stdout alone.
class StderrFile {
 public:
  StderrFile() {
    char name[] = "/tmp/fdlink-cli-test-XXXXXX";
    const int fd = ::mkstemp(name);
    EXPECT_GE(fd, 0);
    if (fd >= 0) ::close(fd);
    path_ = name;
  }
  ~StderrFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::string Read() const { return ReadFile(path_); }

 private:
  std::string path_;
};

// SplitArgv runs `fdlink args...` through sh with stderr sent to `err`.
std::vector<std::string> SplitArgv(const StderrFile& err,
                                   const std::vector<std::string>& args) {
  std::vector<std::string> argv{"-c", "f=$1; shift; exec \"$@\" 2>\"$f\"", "sh",
                                err.path(), kTool};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// ToolRun is one finished run of the tool.
struct ToolRun {
  int status = -1;
  std::string out, err;  // stdout and stderr, apart.
};

ToolRun RunTool(const device::NetNs& ns, const std::vector<std::string>& args,
                int timeout_ms = 60000) {
  StderrFile err;
  std::vector<std::string> argv{"/bin/sh"};
  const std::vector<std::string> rest = SplitArgv(err, args);
  argv.insert(argv.end(), rest.begin(), rest.end());
  ToolRun run;
  Result<int> status = device::RunCommandIn(ns, argv, &run.out, timeout_ms);
  EXPECT_TRUE(status) << status.error().ToString();
  if (status) run.status = *status;
  run.err = err.Read();
  return run;
}

long Lines(const std::string& s) {
  return std::count(s.begin(), s.end(), '\n');
}

TEST_F(E2eTest, ToolExitStatusesVersionAndHelp) {
  const ToolRun version = RunTool(*ns_, {"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out,
            std::string("fdlink ") + FDLINK_PROJECT_VERSION + "\n");

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--help"}, {"serve", "--help"}, {"torture", "--help"}}) {
    const ToolRun help = RunTool(*ns_, args);
    EXPECT_EQ(help.status, 0) << args[0];
    EXPECT_THAT(help.out, HasSubstr("Exit status: 0 success, 1 runtime "
                                    "failure"))
        << args[0];
    EXPECT_THAT(help.out, HasSubstr("2 usage error"));
  }

  // Every argument-parsing error: status 2 and one line on stderr.
  const std::vector<std::pair<std::vector<std::string>, std::string>> usage = {
      {{}, "fdlink: A subcommand is required"},
      {{"frobnicate"},
       "fdlink: frobnicate is not a command (commands: demo, "
       "serve, torture, bench"},
      {{"serve", "--fd", "-3", "--addr", kOurs4},
       "fdlink serve: --fd: expected a descriptor number (0 or more), not "
       "'-3'"},
      {{"serve", "--mode", "fast", "--tun", "x", "--addr", kOurs4},
       "fdlink serve: --mode: fast not in "
       "{readv,recvmmsg,packet_mmap,io_uring}"},
      {{"serve", "--queues", "100"}, "fdlink serve: --queues"},
      {{"serve", "--no-such-flag"}, "fdlink serve: "},
      {{"torture", "--seconds", "soon"}, "fdlink torture: --seconds"},
      {{"bench", "--kind", "pigeon"}, "fdlink bench: --kind"},
      {{"demo", "--cycles", "-1"}, "fdlink demo: --cycles"},
      {{"serve", "--no-gso=maybe", "--tun", "x", "--addr", kOurs4},
       "fdlink serve: Could not convert: --no-gso = maybe"},
      {{"serve", "--tun", "x", "--addr", kOurs4, "--no-offload", "--no-gso"},
       "fdlink serve: --no-offload already turns every offload off; drop "
       "--no-gso"},
      {{"demo", "--no-offload", "--no-udp-gro"},
       "fdlink demo: --no-offload already turns every offload off; drop "
       "--no-udp-gro"},
  };
  for (const auto& [args, message] : usage) {
    const ToolRun r = RunTool(*ns_, args);
    const std::string what = args.empty() ? "(no arguments)" : args[0];
    EXPECT_EQ(r.status, 2) << what << ": " << r.err;
    EXPECT_THAT(r.err, StartsWith(message)) << what;
    EXPECT_EQ(Lines(r.err), 1) << what << ": " << r.err;
    EXPECT_EQ(r.out, "") << what;
  }
}

TEST_F(E2eTest, ServeArgumentMessagesSpeakCli) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--fd", "987", "--addr", kOurs4},
       "--fd 987: descriptor 987 is not open"},
      {{"--tun", "fd l0", "--addr", kOurs4},
       "character 3 0x20 (space) is not allowed in an interface name"},
      {{"--tap", "a/b", "--addr", kOurs4}, "character 2 '/' is not allowed"},
      {{"--packet-socket", "eth0:1", "--addr", kOurs4},
       "character 5 ':' is not allowed"},
      {{"--tun", "fdlongername0123", "--addr", kOurs4},
       "interface names are at most 15 characters (this has 16)"},
      {{"--tun", "fdbad0", "--addr", kOurs4, "--device-addr", "198.18.0.1/33"},
       "--device-addr 198.18.0.1/33: prefix length 33 is over 32"},
      {{"--tun", "fdbad0", "--addr", "2001:db8::2/129"},
       "--addr 2001:db8::2/129: prefix length 129 is over 128"},
      {{"--tun", "fdbad0", "--addr", "0.0.0.0"},
       "--addr 0.0.0.0: 0.0.0.0 is the unspecified address"},
      {{"--tun", "fdbad0", "--addr", "::/64"},
       "--addr ::/64: :: is the unspecified address"},
      {{"--tun", "fdbad0", "--addr", kOurs4, "--device-addr", "0.0.0.0/8"},
       "--device-addr 0.0.0.0/8: 0.0.0.0 is the unspecified address"},
      {{"--tun", "fdbad0", "--addr", kOurs4, "--addr",
        std::string(kOurs4) + "/24"},
       "198.18.0.2 is given twice"},
      {{"--tun", "fdbad0", "--addr", kOurs4, "--device-addr", kKernel4,
        "--device-addr", kKernel4},
       "--device-addr 198.18.0.1/24: given twice"},
      {{"--tun", "fdbad0", "--addr", "198.18.0.2/x"}, "bad prefix length 'x'"},
      {{"--fd", "0", "--addr", kOurs4, "--join"},
       "--join needs --tun, --tap or --packet-socket"},
      {{"--tun", "fdbad0", "--addr", kOurs4, "--pcap-filter", "udp"},
       "--pcap-filter needs --pcap FILE"},
      {{"--tun", "fdbad0", "--addr", kOurs4, "--pcap", "/tmp/fdlink_bad.pcap",
        "--pcap-filter", "udp port"},
       "--pcap-filter 'udp port' is not a capture filter ("},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> argv{"serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    const ToolRun r = RunTool(*ns_, argv);
    EXPECT_EQ(r.status, 2) << message << ": " << r.err;
    EXPECT_THAT(r.err, StartsWith("fdlink serve: ")) << message;
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_EQ(Lines(r.err), 1) << r.err;
  }
}

TEST_F(E2eTest, JsonErrorsAreJsonObjectsOnStdout) {
  const std::vector<std::pair<std::vector<std::string>, int>> cases = {
      {{"serve", "--json", "--mode", "fast"}, 2},
      {{"serve", "--json", "--tun", "fdbad0", "--addr", "0.0.0.0"}, 2},
      {{"torture", "--seconds", "soon", "--json"}, 2},
      {{"bench", "--json", "--kind", "tun", "--mode", "recvmmsg"}, 1},
  };
  for (const auto& [args, status] : cases) {
    const ToolRun r = RunTool(*ns_, args);
    EXPECT_EQ(r.status, status) << args[0] << ": " << r.err;
    EXPECT_EQ(fdlink::testing::JsonLinesError(r.out), "") << r.out;
    EXPECT_THAT(r.out, HasSubstr("{\"event\":\"error\",\"command\":\"" +
                                 args[0] + "\",\"exit_status\":" +
                                 std::to_string(status) + ",\"error\":\""));
    // The same message is the last line on stderr, for people.
    EXPECT_THAT(r.err, HasSubstr("fdlink " + args[0] + ": "));
  }
}

// A runtime failure under --json: the TUN demo without `ping` on PATH.
TEST_F(E2eTest, DemoRuntimeErrorUnderJsonIsAJsonObject) {
  std::string out;
  Result<int> status = device::RunCommandIn(
      *ns_,
      {"/bin/sh", "-c", "PATH=/nonexistent exec \"$0\" demo --json 2>/dev/null",
       kTool},
      &out, 60000);
  ASSERT_TRUE(status) << status.error().ToString();
  EXPECT_EQ(*status, 1) << out;
  EXPECT_EQ(fdlink::testing::JsonLinesError(out), "") << out;
  EXPECT_THAT(out, StartsWith("{\"event\":\"error\",\"command\":\"demo\","
                              "\"exit_status\":1,\"error\":\"`ping` "
                              "(iputils) not found"));
}

// JSON Lines: every stdout line of each command's --json run parses.
TEST_F(E2eTest, JsonStdoutIsJsonLinesOnly) {
  const std::vector<std::vector<std::string>> runs = {
      {"demo", "--seconds", "1", "--cycles", "2", "--json"},
      {"demo", "--socketpair", "--seconds", "0.5", "--cycles", "1", "--json"},
      {"torture", "--seconds", "0.3", "--json"},
      {"bench", "--kind", "seqpacket", "--size", "64", "--processors", "1",
       "--seconds", "0.05", "--json"},
  };
  for (const std::vector<std::string>& args : runs) {
    const ToolRun r = RunTool(*ns_, args);
    // Under --json a failed check is reported on stdout only.
    EXPECT_EQ(r.status, 0) << args[0] << ": " << r.err << r.out;
    EXPECT_EQ(fdlink::testing::JsonLinesError(r.out), "") << args[0] << ":\n"
                                                          << r.out;
  }
}

// The socketpair demo under many detach cycles: a detach drops what a loop
// had read (kDetached); the generator resends what went unanswered, so
// every request is still verified, and only detach drops are allowed.
TEST_F(E2eTest, SocketpairDemoRecoversWhatDetachesDrop) {
  const ToolRun r = RunTool(*ns_, {"demo", "--socketpair", "--seconds", "1.5",
                                   "--cycles", "40", "--json"});
  EXPECT_EQ(r.status, 0) << r.err << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["ok"], true) << r.out;
  EXPECT_EQ(j["detach_cycles"], 40) << r.out;
  EXPECT_GT(j["sent"].get<uint64_t>(), 0u) << r.out;
  EXPECT_EQ(j["verified"], j["sent"]) << r.out;
  EXPECT_EQ(j["endpoint_drops"], j["detach_drops"]) << r.out;
  // Each request a detach caught went unanswered until it was resent.
  EXPECT_GE(j["resent"].get<uint64_t>(), j["detach_drops"].get<uint64_t>())
      << r.out;
}

TEST_F(E2eTest, ServeJsonIsReadyThenStoppedEvents) {
  StderrFile err;
  std::unique_ptr<ToolProcess> serve = ToolProcess::Start(
      *ns_, "/bin/sh",
      SplitArgv(err, {"serve", "--tun", "fdjson0", "--addr", kOurs4, "--addr",
                      kOurs6, "--device-addr", kKernel4, "--json"}));
  ASSERT_TRUE(serve);
  ASSERT_TRUE(serve->WaitForOutput("\"event\":\"ready\"", 30s))
      << serve->output() << err.Read();
  EXPECT_EQ(serve->output(),
            "{\"event\":\"ready\",\"kind\":\"tun\",\"name\":\"fdjson0\","
            "\"addrs\":[\"198.18.0.2\",\"2001:db8::2\"],\"udp_echo\":[7],"
            "\"offload\":{\"vnet_header\":true,\"kernel\":\"csum,tso4,tso6,"
            "uso4,uso6\",\"kernel_bits\":103,\"gso\":true,\"tcp_gro\":true,"
            "\"udp_gro\":true,\"checksum_offload\":true}}\n");
  const PingResult p = Ping(*ns_, kOurs4, 2);
  EXPECT_EQ(p.received, 2) << p.output;
  serve->Signal(SIGTERM);
  ASSERT_EQ(serve->WaitExit(5s), 0) << serve->output() << err.Read();
  EXPECT_EQ(fdlink::testing::JsonLinesError(serve->output()), "")
      << serve->output();
  EXPECT_EQ(Lines(serve->output()), 2) << serve->output();
  // The names of the text output ("stopped by", "endpoint", "responder").
  for (const char* field :
       {"{\"event\":\"stopped\",\"stopped_by\":\"SIGTERM\",\"seconds\":",
        "\"endpoint\":{\"rx_packets\":", "\"responder\":{\"received\":",
        "\"icmpv4_echo_replies\":2"}) {
    EXPECT_THAT(serve->output(), HasSubstr(field));
  }
  const std::string stderr_text = err.Read();
  EXPECT_THAT(stderr_text, HasSubstr("fdlink serve: tun fdjson0: MTU"));
  EXPECT_THAT(stderr_text,
              HasSubstr("fdlink serve: tun fdjson0: offloads: vnet header, "
                        "kernel csum,tso4,tso6,uso4,uso6;"));
}

// ExpectJoinedServeThenBothStop starts `fdlink join_args...` (with
// --join), expects it to print `ready`, then stops it and `first` with
// SIGTERM and expects both to exit 0.
void ExpectJoinedServeThenBothStop(const device::NetNs& ns,
                                   const std::vector<std::string>& join_args,
                                   const std::string& ready,
                                   ToolProcess& first) {
  std::unique_ptr<ToolProcess> joined =
      ToolProcess::Start(ns, kTool, join_args);
  ASSERT_TRUE(joined);
  EXPECT_TRUE(joined->WaitForOutput(ready, 30s)) << joined->output();
  joined->Signal(SIGTERM);
  EXPECT_EQ(joined->WaitExit(5s), 0) << joined->output();
  first.Signal(SIGTERM);
  EXPECT_EQ(first.WaitExit(5s), 0) << first.output();
}

// A second serve on a multi-queue TAP would join its queues and take half
// of its frames (ARP replies included): refused, naming the first serve,
// while the first one keeps answering; --join overrides.
TEST_F(E2eTest, SecondServeOnADeviceIsRefusedNamingTheHolder) {
  std::unique_ptr<ToolProcess> first =
      ToolProcess::Start(*ns_, kTool,
                         {"serve", "--tap", "fdheld0", "--queues", "2",
                          "--addr", kOurs4, "--device-addr", kKernel4});
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->WaitForOutput("ready tap fdheld0", 30s))
      << first->output();

  for (const bool json : {false, true}) {
    std::vector<std::string> args{"serve", "--tap",  "fdheld0",   "--queues",
                                  "2",     "--addr", "198.18.0.3"};
    if (json) args.push_back("--json");
    const ToolRun second = RunTool(*ns_, args);
    EXPECT_EQ(second.status, 1) << second.err;
    EXPECT_THAT(
        second.err,
        HasSubstr("fdlink serve: tap fdheld0 is already served by pid " +
                  std::to_string(first->pid()) + " (fdlink)"));
    EXPECT_THAT(second.err, HasSubstr("--join"));
    EXPECT_EQ(Lines(second.err), 1) << second.err;
    if (json) {
      EXPECT_EQ(fdlink::testing::JsonLinesError(second.out), "");
    }
  }
  // The first serve was not disturbed: the kernel resolves and pings it.
  EXPECT_EQ(Ping(*ns_, kOurs4, 3).received, 3) << first->output();

  ExpectJoinedServeThenBothStop(*ns_,
                                {"serve", "--tap", "fdheld0", "--queues", "2",
                                 "--addr", "198.18.0.3", "--join"},
                                "ready tap fdheld0", *first);
}

// On a single-queue TUN the kernel refuses a second queue anyway (EBUSY);
// the message names who holds it.
TEST_F(E2eTest, SecondServeOnASingleQueueTunNamesTheHolder) {
  std::unique_ptr<ToolProcess> first =
      ToolProcess::Start(*ns_, kTool,
                         {"serve", "--tun", "fdheld1", "--addr", kOurs4,
                          "--device-addr", kKernel4});
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->WaitForOutput("ready tun fdheld1", 30s))
      << first->output();
  const ToolRun second =
      RunTool(*ns_, {"serve", "--tun", "fdheld1", "--addr", "198.18.0.3"});
  EXPECT_EQ(second.status, 1) << second.err;
  EXPECT_EQ(second.err, "fdlink serve: tun fdheld1 is already served by pid " +
                            std::to_string(first->pid()) +
                            " (fdlink); stop it first, or pass --join to add "
                            "queues to it\n");
  first->Signal(SIGTERM);
  EXPECT_EQ(first->WaitExit(5s), 0) << first->output();
}

// Two serves with AF_PACKET sockets on one interface would both answer
// every frame: the second is refused unless --join.
TEST_F(E2eTest, SecondServeOnAPacketSocketInterfaceNamesTheHolder) {
  std::string out;
  for (const std::vector<std::string>& ip :
       std::vector<std::vector<std::string>>{
           {"ip", "link", "add", "fdps0", "type", "veth", "peer", "name",
            "fdps1"},
           {"ip", "link", "set", "fdps0", "up"}}) {
    Result<int> r = device::RunCommandIn(*ns_, ip, &out, 30000);
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(*r, 0) << out;
  }
  const std::vector<std::string> args{
      "serve", "--packet-socket", "fdps1", "--addr",
      kOurs4,  "--device-addr",   kKernel4};
  std::unique_ptr<ToolProcess> first = ToolProcess::Start(*ns_, kTool, args);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->WaitForOutput("ready packet-socket fdps1", 30s))
      << first->output();
  const ToolRun second = RunTool(*ns_, args);
  EXPECT_EQ(second.status, 1) << second.err;
  EXPECT_EQ(second.err,
            "fdlink serve: packet-socket fdps1 is already served by pid " +
                std::to_string(first->pid()) +
                " (fdlink); stop it first, or pass --join to answer on it too "
                "(every frame twice)\n");

  std::vector<std::string> join_args = args;
  join_args.push_back("--join");
  ExpectJoinedServeThenBothStop(*ns_, join_args, "ready packet-socket fdps1",
                                *first);
}

TEST_F(E2eTest, ServeExitsNonZeroWhenItsInterfaceIsDeleted) {
  for (const char* kind : {"--tun", "--tap"}) {
    SCOPED_TRACE(kind);
    std::unique_ptr<ToolProcess> serve =
        ToolProcess::Start(*ns_, kTool,
                           {"serve", kind, "fdgone0", "--addr", kOurs4,
                            "--device-addr", kKernel4});
    ASSERT_TRUE(serve);
    ASSERT_TRUE(serve->WaitForOutput(" fdgone0 198.18.0.2", 30s))
        << serve->output();
    std::string out;
    Result<int> del = device::RunCommandIn(
        *ns_, {"ip", "link", "del", "fdgone0"}, &out, 30000);
    ASSERT_TRUE(del) << del.error().ToString();
    ASSERT_EQ(*del, 0) << out;
    const std::optional<int> status = serve->WaitExit(10s);
    ASSERT_TRUE(status) << "still running after its interface was deleted:\n"
                        << serve->output();
    EXPECT_EQ(*status, 1) << serve->output();
    EXPECT_THAT(serve->output(), HasSubstr("stopped by link_deleted"));
    EXPECT_THAT(serve->output(),
                HasSubstr("fdgone0: the interface was deleted"));
  }
}

// torture prints PASS only when the latency target was met; a run that
// misses it says "target missed" (and exits 0 when every check held).
TEST_F(E2eTest, TortureNeverPrintsPassWithAMissedTarget) {
  for (const bool json : {false, true}) {
    std::vector<std::string> args{"torture", "--seconds", "0.5"};
    if (json) args.push_back("--json");
    const ToolRun r = RunTool(*ns_, args);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    if (json) {
      const bool met = r.out.find("\"target_met\":true") != std::string::npos;
      EXPECT_THAT(r.out, HasSubstr(met ? "\"result\":\"PASS\""
                                       : "\"result\":\"target missed\""));
      continue;
    }
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        r.out, m,
        std::regex("p99 ([0-9.]+) us, max ([0-9.]+) us \\(target: p99 < "
                   "1000, max < 5000: (met|target missed)\\)")))
        << r.out;
    const bool met = std::stod(m[1]) < 1000 && std::stod(m[2]) < 5000;
    EXPECT_EQ(m[3], met ? "met" : "target missed") << r.out;
    EXPECT_THAT(r.out, HasSubstr(met ? "result      PASS\n"
                                     : "result      target missed\n"));
    if (!met) {
      EXPECT_THAT(r.out, Not(HasSubstr("PASS")));
    }
  }
}

TEST_F(E2eTest, BenchFailsWhenItMeasuredNothing) {
  // A TUN fd is not a socket: tun/recvmmsg is skipped, so nothing is left.
  const ToolRun r = RunTool(*ns_, {"bench", "--kind", "tun", "--mode",
                                   "recvmmsg", "--seconds", "0.01"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("fdlink bench: nothing was measured"));
}

// The commands the tool and library name in their hints and use are there
// (scripts/deps.sh installs them): `modprobe tun` (device/tun.cc), demo's
// iputils `ping`, `ip`, and `ethtool` for inspecting a device's offloads.
TEST_F(E2eTest, CommandsTheToolHintsAtAreInstalled) {
  for (const char* command : {"ethtool", "ping", "ip", "modprobe"}) {
    std::string out;
    Result<int> found = device::RunCommandIn(
        *ns_, {"/bin/sh", "-c", std::string("command -v ") + command}, &out,
        30000);
    ASSERT_TRUE(found) << found.error().ToString();
    EXPECT_EQ(*found, 0) << command << " is not installed (scripts/deps.sh)";
  }
}

TEST(JsonLinesCheckerTest, AcceptsJsonAndRejectsTheRest) {
  using fdlink::testing::IsJsonValue;
  for (const char* ok : {"{}", "[]", "0", "-1.5e3", "\"a\\n\\u00e9\"",
                         " {\"a\":[1,true,null,{\"b\":\"c\"}]} "}) {
    EXPECT_TRUE(IsJsonValue(ok)) << ok;
  }
  for (const char* bad :
       {"", "ready tun fdl0", "{\"a\":1", "{a:1}", "[1,]", "01", "1.",
        "\"tab\there\"", "{\"a\":1}{\"b\":2}", "nul"}) {
    EXPECT_FALSE(IsJsonValue(bad)) << bad;
  }
  EXPECT_EQ(fdlink::testing::JsonLinesError("{}\n[1]\n"), "");
  EXPECT_NE(fdlink::testing::JsonLinesError("{}\nnote: x\n"), "");
  EXPECT_NE(fdlink::testing::JsonLinesError("{}"), "");
}

}  // namespace
}  // namespace fdlink::e2e

#endif  // FDLINK_TOOL_PATH
