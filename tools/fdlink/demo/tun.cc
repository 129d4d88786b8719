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

#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/cli_status.h"
#include "common/endpoint_report.h"
#include "common/json.h"
#include "common/latency.h"
#include "common/offload_flags.h"
#include "common/stop_signals.h"
#include "demo/run.h"
#include "demo/tun_kernel.h"
#include "demo/tun_traffic.h"
#include "fdlink/device/netns.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/responder/responder.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
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

// TunRig is everything the run needs, in construction order (members are
// destroyed in reverse: the responder first, the stop signals last).
struct TunRig {
  std::unique_ptr<StopSignals> stop;
  std::optional<device::NetNs> ns;
  KernelSide kernel;
  fdbased::OffloadOptions offload;  // What the endpoint was created with.
  std::unique_ptr<fdbased::Endpoint> ep;
  std::optional<responder::Responder> resp;
};

// SetUp checks for ping, takes the stop signals, builds the namespace with
// its kernel side, the endpoint on the TUN fd and the responder; returns
// kExitOk, or the exit status after reporting what failed.
int SetUp(const DemoOptions& opts, TunRig* rig) {
  if (!FindInPath("ping")) {
    return ReportError("demo", kExitFailure,
                       "`ping` (iputils) not found; install it with "
                       "`apt-get install iputils-ping` (scripts/deps.sh "
                       "does), or run `fdlink demo --socketpair`",
                       opts.json);
  }
  Result<std::unique_ptr<StopSignals>> stop = StopSignals::Install();
  if (!stop) return SetupFailed(opts, "signals", stop.error());
  rig->stop = std::move(*stop);
  Result<device::NetNs> ns = device::NetNs::Create();
  if (!ns) return SetupFailed(opts, "create a network namespace", ns.error());
  rig->ns.emplace(std::move(*ns));
  Result<void> inside = Ok();
  if (Result<void> r = rig->ns->Run([&] {
        inside = SetUpKernelSide(&rig->kernel, TunVnetHeader(opts.offload),
                                 TunOffloadMask(opts.offload));
      });
      !r)
    return SetupFailed(opts, "enter the network namespace", r.error());
  if (!inside)
    return SetupFailed(opts, "set up TUN device fdl0", inside.error());

  fdbased::Options o;
  o.fds = rig->kernel.tun->borrowed_fds();
  o.mtu = kMtu;
  o.dispatch_mode = opts.mode;
  o.processors_per_channel = 1;
  rig->offload = EndpointOffloads(opts.offload, rig->kernel.tun->vnet_hdr(),
                                  rig->kernel.tun->offloads());
  o.offload = rig->offload;
  auto ep = fdbased::Endpoint::Create(std::move(o));
  if (!ep) return SetupFailed(opts, "create the endpoint", ep.error());
  rig->ep = std::move(*ep);
  responder::ResponderConfig rc;
  rc.ipv4 = {header::Ipv4Address::Parse(kOurs4).value()};
  rc.ipv6 = {header::Ipv6Address::Parse(kOurs6).value()};
  rc.udp_echo_ports = {kEchoPort};
  rig->resp.emplace(rig->ep.get(), rc);
  if (Result<void> a = rig->ep->TryAttach(&*rig->resp); !a) {
    return SetupFailed(opts, "attaching the endpoint", a.error());
  }
  return kExitOk;
}

// PrintSetup prints the text mode's first lines: what was built and the
// offloads in effect.
void PrintSetup(const DemoOptions& opts, const TunRig& rig) {
  if (opts.json) return;
  std::printf(
      "fdlink demo: TUN mode (root: the Linux kernel is the peer)\n"
      "  setup    private network namespace; TUN %s (MTU %u), kernel side "
      "%s and %s, up\n"
      "           -> fd-based endpoint (%s, raw IP, 1 processor) -> "
      "responder %s / %s, UDP echo on %u\n"
      "  offload  %s\n",
      kDevice, kMtu, kKernel4, kKernel6, ModeInUse(*rig.ep).c_str(), kOurs4,
      kOurs6, kEchoPort, OffloadSummary(rig.offload).c_str());
  std::fflush(stdout);
}

// TunOutcome is what one run measured.
struct TunOutcome {
  double elapsed = 0;  // Seconds of traffic.
  LatencyStats detach;
  UdpResult udp;
  PingTotals ping;
  fdbased::FdCounters endpoint;
  responder::ResponderCounters responder;
  uint64_t detach_drops = 0;  // Packets read during a detach.
  uint64_t chatter = 0;       // Responder drops of the kernel's chatter.
  bool interrupted = false;   // A signal stopped the run early.
};

// DetachCycles drives ping and UDP traffic for opts.seconds while detaching
// and re-attaching the responder opts.cycles times, recording each detach's
// latency; it ends early on a stop signal or a traffic failure.
void DetachCycles(const DemoOptions& opts, TunRig& rig, KernelTraffic& traffic,
                  Clock::time_point start, LatencyStats* detach) {
  const auto total = std::chrono::duration<double>(opts.seconds);
  auto at = [&](double fraction) {
    return start +
           std::chrono::duration_cast<Clock::duration>(total * fraction);
  };
  auto wait_until = [&](Clock::time_point t) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now());
    return rig.stop->WaitFor(std::max(left, 0ms)) || traffic.Failed();
  };
  for (int i = 0; i < opts.cycles; ++i) {
    if (wait_until(at(static_cast<double>(i + 1) / (opts.cycles + 1)))) return;
    const auto t0 = Clock::now();
    rig.ep->Attach(nullptr);
    detach->Add(Clock::now() - t0);
    const bool ended = wait_until(Clock::now() + 20ms);
    rig.ep->Attach(&*rig.resp);
    if (ended) return;
  }
  wait_until(at(1.0));
}

// Drive (the responder already attached by SetUp) proves the path with one
// warm-up echo per family (which also waits out the kernel's delayed local
// route for a new IPv6 address), runs the traffic with its detach cycles,
// detaches and collects the counters.
TunOutcome Drive(const DemoOptions& opts, TunRig& rig, Verdict* v) {
  {
    UdpEcho warm(rig.kernel.udp);
    v->Check(warm.Window(1),
             "warm-up UDP echo failed: " + warm.result().first_error);
  }
  TunOutcome out;
  const auto start = Clock::now();
  if (v->ok) {
    KernelTraffic traffic(*rig.ns, rig.kernel.udp,
                          std::array<std::string, 2>{kOurs4, kOurs6});
    DetachCycles(opts, rig, traffic, start, &out.detach);
    traffic.Stop();
    out.udp = traffic.udp();
    out.ping = traffic.ping();
  }
  out.elapsed = Seconds(Clock::now() - start);
  rig.ep->Attach(nullptr);
  out.endpoint = rig.ep->TotalCounters();
  out.responder = rig.resp->Counters();
  out.detach_drops = out.endpoint.drops_of(fdbased::DropReason::kDetached);
  for (size_t i = 0; i < out.responder.drops.size(); ++i) {
    if (IsKernelChatter(static_cast<responder::ResponderDrop>(i)))
      out.chatter += out.responder.drops[i];
  }
  out.interrupted = rig.stop->requested();
  return out;
}

// Verify records in *v the first check that `out` fails: every ping and
// UDP datagram answered (a ping lost to a detach excepted), and no drop
// other than detaches and the kernel's chatter.
void Verify(const TunOutcome& out, Verdict* v) {
  const UdpResult& udp = out.udp;
  const PingTotals& ping = out.ping;
  const fdbased::FdCounters& c = out.endpoint;
  uint64_t ping_missing = 0;
  for (int f = 0; f < 2; ++f)
    ping_missing +=
        ping.expected[f] - std::min(ping.received[f], ping.expected[f]);
  v->Check(!out.interrupted, "interrupted by a signal: stopped early");
  v->Check(udp.first_error.empty(), "UDP: " + udp.first_error);
  v->Check(ping.first_error.empty(), ping.first_error);
  v->Check(udp.by_family[0] > 0 && udp.by_family[1] > 0,
           "no UDP echo verified for one of the families");
  v->Check(ping.expected[0] > 0 && ping.expected[1] > 0,
           "ping did not run for both families");
  v->Check(ping_missing <= out.detach_drops,
           "ping missed more replies than packets were read during detaches");
  v->Check(out.responder.tx_failed == 0 && c.tx_errors == 0 && c.rx_errors == 0,
           "the endpoint failed to read or write");
  v->Check(c.total_drops() == out.detach_drops,
           "the endpoint dropped frames for a reason other than a detach");
  v->Check(out.responder.total_drops() == out.chatter,
           "the responder dropped packets other than the kernel's chatter");
}

// PrintJson prints the run as one JSON object.
void PrintJson(TunOutcome& out, const fdbased::OffloadOptions& offload,
               const Verdict& v, double pps) {
  const UdpResult& udp = out.udp;
  const PingTotals& ping = out.ping;
  PrintJsonLine(Json{{"mode", "tun"},
                     {"device", kDevice},
                     {"offload", OffloadJson(offload)},
                     {"seconds", Rounded(out.elapsed, 3)},
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
                     {"detach_cycles", out.detach.count()},
                     {"detach_p50_us", Rounded(out.detach.Percentile(50), 1)},
                     {"detach_max_us", Rounded(out.detach.Max(), 1)},
                     {"endpoint", EndpointJson(out.endpoint)},
                     {"responder", ParsedJson(out.responder.Json())},
                     {"ok", v.ok}});
}

// PrintText prints the run's lines after the setup lines, ending with the
// result.
void PrintText(TunOutcome& out, const Verdict& v, double pps) {
  const UdpResult& udp = out.udp;
  const PingTotals& ping = out.ping;
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
      udp.by_family[0], udp.by_family[1], udp.resent, out.elapsed, pps,
      out.detach.count(), out.detach.Percentile(50), out.detach.Max(),
      out.detach_drops, EndpointSummary(out.endpoint).c_str(),
      out.responder.Summary().c_str(), out.chatter,
      v.ok ? "PASS: every ping and UDP datagram answered, every echo "
             "verified"
           : "FAIL: ",
      v.ok ? "" : v.why.c_str());
}

}  // namespace

int RunTunDemo(const DemoOptions& opts) {
  TunRig rig;
  if (const int status = SetUp(opts, &rig); status != kExitOk) return status;
  PrintSetup(opts, rig);
  Verdict v;
  TunOutcome out = Drive(opts, rig, &v);
  Verify(out, &v);
  const double pps =
      static_cast<double>(out.endpoint.rx_packets + out.endpoint.tx_packets) /
      std::max(out.elapsed, 1e-3);
  if (opts.json) {
    PrintJson(out, rig.offload, v, pps);
  } else {
    PrintText(out, v, pps);
  }
  if (out.interrupted) return 130;
  return v.ok ? 0 : 1;
}

}  // namespace fdlink::tool
