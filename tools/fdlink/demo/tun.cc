// The demo's TUN mode (root): a private network namespace holds a TUN
// device whose kernel side has 198.18.0.1/24 and 2001:db8::1/64; the
// endpoint reads its fd with the reference responder attached, answering
// for 198.18.0.2 and 2001:db8::2. The Linux kernel is the peer: iputils
// `ping` runs inside the namespace (IPv4 and IPv6) and kernel UDP sockets
// send datagrams to port 7 and check every echo byte by byte, while the
// control thread detaches and re-attaches mid-traffic. While detached the
// kernel queues packets in the TUN device; they are answered after the
// re-attach, and a UDP datagram whose echo does not come is sent again.
#include "fdlink/device/tun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "common/cli_status.h"
#include "common/endpoint_report.h"
#include "common/json.h"
#include "common/latency.h"
#include "common/stop_signals.h"
#include "demo/run.h"
#include "demo/tun_traffic.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/responder/responder.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr char kDevice[] = "fdl0";
constexpr uint32_t kMtu = 1500;
constexpr char kKernel4[] = "198.18.0.1/24";
constexpr char kKernel6[] = "2001:db8::1/64";
constexpr char kOurs4[] = "198.18.0.2";
constexpr char kOurs6[] = "2001:db8::2";
constexpr uint16_t kEchoPort = 7;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// FindInPath reports whether `prog` is an executable in $PATH.
bool FindInPath(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(begin, end - begin) + "/" + prog;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    begin = end + 1;
  }
  return false;
}

// KernelSide is what lives in the namespace: the TUN device and two kernel
// UDP sockets connected to the responder's echo port.
struct KernelSide {
  std::optional<device::TunDevice> tun;
  std::array<UniqueFd, 2> udp;  // [0] IPv4, [1] IPv6.
};

// EchoSocket is a kernel UDP socket of `family` connected to the
// responder's echo port at `ip`.
Result<UniqueFd> EchoSocket(int family, const char* ip) {
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(kEchoPort);
    ::inet_pton(AF_INET, ip, &sin->sin_addr);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(kEchoPort);
    ::inet_pton(AF_INET6, ip, &sin6->sin6_addr);
    len = sizeof(sockaddr_in6);
  }
  return sys::ConnectedUdp(reinterpret_cast<const sockaddr*>(&ss), len);
}

// SetUpKernelSide runs on a thread inside the namespace.
Result<void> SetUpKernelSide(KernelSide* k) {
  device::TunOptions to;
  to.name = kDevice;
  Result<device::TunDevice> tun = device::OpenTun(to);
  if (!tun) return tun.error();
  const int ifindex = tun->ifindex();
  k->tun.emplace(std::move(*tun));
  if (Result<void> r = device::SetMtu(ifindex, kMtu); !r) return r;
  for (const char* text : {kKernel4, kKernel6}) {
    Result<device::Cidr> cidr = device::Cidr::Parse(text);
    if (!cidr) return cidr.error();
    if (Result<void> r = device::AddAddress(ifindex, *cidr); !r) return r;
  }
  if (Result<void> r = device::SetUp(ifindex, true); !r) return r;
  for (int i = 0; i < 2; ++i) {
    Result<UniqueFd> s =
        EchoSocket(i == 0 ? AF_INET : AF_INET6, i == 0 ? kOurs4 : kOurs6);
    if (!s) return s.error();
    k->udp[i] = std::move(*s);
  }
  return Ok();
}

// IsKernelChatter reports whether `d` is how the responder drops the
// kernel's own IPv6 chatter on a fresh interface (router solicitations, MLD
// reports to groups): expected, not a failure.
bool IsKernelChatter(responder::ResponderDrop d) {
  using D = responder::ResponderDrop;
  return d == D::kNotOurs || d == D::kUnsupportedIcmp || d == D::kBadSource;
}

// Verdict is the demo's checks and what failed first.
struct Verdict {
  bool ok = true;
  std::string why;
  void Check(bool held, const std::string& what) {
    if (!held && ok) {
      ok = false;
      why = what;
    }
  }
};

int SetupFailed(const DemoOptions& opts, const std::string& what,
                const Error& e) {
  return ReportError("demo", kExitFailure,
                     what + ": " + e.ToString() +
                         " (the TUN mode needs root with CAP_SYS_ADMIN and "
                         "/dev/net/tun; `fdlink demo --socketpair` needs "
                         "neither)",
                     opts.json);
}

}  // namespace

int RunTunDemo(const DemoOptions& opts) {
  if (!FindInPath("ping")) {
    return ReportError("demo", kExitFailure,
                       "`ping` (iputils) not found; install it with "
                       "`apt-get install iputils-ping` (scripts/deps.sh "
                       "does), or run `fdlink demo --socketpair`",
                       opts.json);
  }
  Result<std::unique_ptr<StopSignals>> stop = StopSignals::Install();
  if (!stop) return SetupFailed(opts, "signals", stop.error());
  Result<device::NetNs> ns = device::NetNs::Create();
  if (!ns) return SetupFailed(opts, "create a network namespace", ns.error());
  KernelSide kernel;
  Result<void> inside = Ok();
  if (Result<void> r = ns->Run([&] { inside = SetUpKernelSide(&kernel); }); !r)
    return SetupFailed(opts, "enter the network namespace", r.error());
  if (!inside)
    return SetupFailed(opts, "set up TUN device fdl0", inside.error());

  fdbased::Options o;
  o.fds = kernel.tun->borrowed_fds();
  o.mtu = kMtu;
  o.dispatch_mode = opts.mode;
  o.processors_per_channel = 1;
  auto ep = fdbased::Endpoint::Create(std::move(o));
  if (!ep) return SetupFailed(opts, "create the endpoint", ep.error());
  responder::ResponderConfig rc;
  rc.ipv4 = {header::Ipv4Address::Parse(kOurs4).value()};
  rc.ipv6 = {header::Ipv6Address::Parse(kOurs6).value()};
  rc.udp_echo_ports = {kEchoPort};
  responder::Responder resp(ep->get(), rc);

  if (!opts.json) {
    std::printf(
        "fdlink demo: TUN mode (root: the Linux kernel is the peer)\n"
        "  setup    private network namespace; TUN %s (MTU %u), kernel side "
        "%s and %s, up\n"
        "           -> fd-based endpoint (%s, raw IP, 1 processor) -> "
        "responder %s / %s, UDP echo on %u\n",
        kDevice, kMtu, kKernel4, kKernel6,
        opts.mode == (*ep)->DispatchModeInUse()
            ? fdbased::DispatchModeName(opts.mode)
            : "readv (recvmmsg requested; a TUN fd is no socket)",
        kOurs4, kOurs6, kEchoPort);
    std::fflush(stdout);
  }
  if (Result<void> a = (*ep)->TryAttach(&resp); !a) {
    return SetupFailed(opts, "attaching the endpoint", a.error());
  }

  // Warm-up: one echo per family proves the path and waits out the
  // kernel's delayed local route for a new IPv6 address.
  Verdict v;
  {
    UdpEcho warm(kernel.udp);
    v.Check(warm.Window(1),
            "warm-up UDP echo failed: " + warm.result().first_error);
  }

  const auto start = Clock::now();
  LatencyStats detach;
  std::optional<KernelTraffic> traffic;
  if (v.ok) {
    traffic.emplace(*ns, kernel.udp,
                    std::array<std::string, 2>{kOurs4, kOurs6});
    const auto total = std::chrono::duration<double>(opts.seconds);
    auto at = [&](double fraction) {
      return start +
             std::chrono::duration_cast<Clock::duration>(total * fraction);
    };
    auto wait_until = [&](Clock::time_point t) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          t - Clock::now());
      return (*stop)->WaitFor(std::max(left, 0ms)) || traffic->Failed();
    };
    bool ended = false;
    for (int i = 0; i < opts.cycles && !ended; ++i) {
      ended = wait_until(at(static_cast<double>(i + 1) / (opts.cycles + 1)));
      if (ended) break;
      const auto t0 = Clock::now();
      (*ep)->Attach(nullptr);
      detach.Add(Clock::now() - t0);
      ended = wait_until(Clock::now() + 20ms);
      if (Result<void> a = (*ep)->TryAttach(&resp); !a) {
        v.Check(false, "re-attach failed: " + a.error().ToString());
        ended = true;
      }
    }
    if (!ended) wait_until(at(1.0));
    traffic->Stop();
  }
  const double elapsed = Seconds(Clock::now() - start);
  (*ep)->Attach(nullptr);

  const fdbased::FdCounters c = (*ep)->TotalCounters();
  const responder::ResponderCounters rcnt = resp.Counters();
  const UdpResult udp = traffic ? traffic->udp() : UdpResult{};
  const PingTotals ping = traffic ? traffic->ping() : PingTotals{};
  const uint64_t detach_drops = c.drops_of(fdbased::DropReason::kDetached);
  uint64_t ping_missing = 0;
  for (int f = 0; f < 2; ++f)
    ping_missing +=
        ping.expected[f] - std::min(ping.received[f], ping.expected[f]);
  uint64_t chatter = 0;
  for (size_t i = 0; i < rcnt.drops.size(); ++i) {
    if (IsKernelChatter(static_cast<responder::ResponderDrop>(i)))
      chatter += rcnt.drops[i];
  }
  const bool interrupted = (*stop)->requested();
  v.Check(!interrupted, "interrupted by a signal: stopped early");
  v.Check(udp.first_error.empty(), "UDP: " + udp.first_error);
  v.Check(ping.first_error.empty(), ping.first_error);
  v.Check(udp.by_family[0] > 0 && udp.by_family[1] > 0,
          "no UDP echo verified for one of the families");
  v.Check(ping.expected[0] > 0 && ping.expected[1] > 0,
          "ping did not run for both families");
  v.Check(ping_missing <= detach_drops,
          "ping missed more replies than packets were read during detaches");
  v.Check(rcnt.tx_failed == 0 && c.tx_errors == 0 && c.rx_errors == 0,
          "the endpoint failed to read or write");
  v.Check(c.total_drops() == detach_drops,
          "the endpoint dropped frames for a reason other than a detach");
  v.Check(rcnt.total_drops() == chatter,
          "the responder dropped packets other than the kernel's chatter");

  const double pps = static_cast<double>(c.rx_packets + c.tx_packets) /
                     std::max(elapsed, 1e-3);
  if (opts.json) {
    PrintJsonLine(Json{{"mode", "tun"},
                       {"device", kDevice},
                       {"seconds", Rounded(elapsed, 3)},
                       {"ping4_expected", ping.expected[0]},
                       {"ping4_received", ping.received[0]},
                       {"ping4_sent", ping.sent[0]},
                       {"ping6_expected", ping.expected[1]},
                       {"ping6_received", ping.received[1]},
                       {"ping6_sent", ping.sent[1]},
                       {"udp_sent", udp.sent},
                       {"udp_verified", udp.verified},
                       {"udp4_verified", udp.by_family[0]},
                       {"udp6_verified", udp.by_family[1]},
                       {"udp_resent", udp.resent},
                       {"packets_per_s", std::llround(pps)},
                       {"detach_cycles", detach.count()},
                       {"detach_p50_us", Rounded(detach.Percentile(50), 1)},
                       {"detach_max_us", Rounded(detach.Max(), 1)},
                       {"endpoint", EndpointJson(c)},
                       {"responder", ParsedJson(rcnt.Json())},
                       {"ok", v.ok}});
  } else {
    std::printf(
        "  ping     iputils ping in the namespace (runs of -c %d): IPv4 "
        "%" PRIu64 "/%" PRIu64 " replies, IPv6 %" PRIu64 "/%" PRIu64
        " replies (%" PRIu64 " and %" PRIu64
        " requests sent)\n"
        "  udp      kernel UDP sockets: %" PRIu64 " datagrams sent, %" PRIu64
        " echoes verified byte-exact (IPv4 %" PRIu64 ", IPv6 %" PRIu64
        "), %" PRIu64
        " resent\n"
        "  rate     %.1f s of traffic, %.0f packets/s through the endpoint\n"
        "  detach   %zu detach/re-attach cycles mid-traffic: detach latency "
        "p50 %.0f us, max %.0f us; %" PRIu64
        " packets read during a detach were dropped\n"
        "  endpoint %s\n"
        "  stack    %s\n"
        "           (%" PRIu64
        " of the drops are the kernel's own IPv6 chatter: router "
        "solicitations, MLD reports)\n"
        "  result   %s%s\n",
        kPingRun, ping.received[0], ping.expected[0], ping.received[1],
        ping.expected[1], ping.sent[0], ping.sent[1], udp.sent, udp.verified,
        udp.by_family[0], udp.by_family[1], udp.resent, elapsed, pps,
        detach.count(), detach.Percentile(50), detach.Max(), detach_drops,
        EndpointSummary(c).c_str(), rcnt.Summary().c_str(), chatter,
        v.ok ? "PASS: every ping and UDP datagram answered, every echo "
               "verified"
             : "FAIL: ",
        v.ok ? "" : v.why.c_str());
  }
  if (interrupted) return 130;
  return v.ok ? 0 : 1;
}

}  // namespace fdlink::tool
