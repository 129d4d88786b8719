// `fdlink serve`: open the link, attach the reference responder, print one
// `ready` line, wait for SIGINT/SIGTERM (or the link going away), detach
// and print the counters.
#include "serve/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "common/cli_status.h"
#include "common/command_endpoint.h"
#include "common/endpoint_report.h"
#include "common/json.h"
#include "common/offload_flags.h"
#include "common/pcap_capture.h"
#include "common/stop_signals.h"
#include "fdlink/base/mutex.h"
#include "fdlink/device/link_config.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/link/sniffer/sniffer.h"
#include "fdlink/responder/responder.h"
#include "serve/args.h"
#include "serve/holder.h"
#include "serve/link.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;

// How often serve looks whether its interface still exists.
constexpr std::chrono::milliseconds kLinkCheckInterval(500);

// AddResponderAddresses parses the --addr values into `rc`; returns the
// first error message, empty when every value is fine.
std::string AddResponderAddresses(const std::vector<std::string>& texts,
                                  responder::ResponderConfig* rc) {
  std::vector<std::string> seen;
  for (const std::string& text : texts) {
    IpArg arg;
    if (std::string err = ParseIpArg("--addr", text, &arg); !err.empty())
      return err;
    const std::string addr = arg.ToString();
    if (std::find(seen.begin(), seen.end(), addr) != seen.end())
      return "--addr " + text + ": " + addr + " is given twice";
    seen.push_back(addr);
    if (const auto* v4 = std::get_if<header::Ipv4Address>(&arg.addr)) {
      rc->ipv4.push_back(*v4);
    } else {
      rc->ipv6.push_back(std::get<header::Ipv6Address>(arg.addr));
    }
  }
  if (rc->ipv4.empty() && rc->ipv6.empty())
    return "at least one --addr (an address the responder answers for) is "
           "required";
  return "";
}

// SetName checks an interface name flag and stores it in the spec.
std::string SetName(const char* flag, const std::string& name,
                    ServeLinkKind kind, ServeLinkSpec* spec) {
  spec->kind = kind;
  spec->name = name;
  return CheckInterfaceName(flag, name);
}

// BuildSpec checks the flag combination and turns it into a link spec;
// returns an error message, empty when the flags are fine.
std::string BuildSpec(const ServeOptions& o, ServeLinkSpec* spec) {
  const int chosen =
      !o.tun.empty() + !o.tap.empty() + !o.packet_socket.empty() + (o.fd >= 0);
  if (chosen != 1)
    return "exactly one of --tun, --tap, --packet-socket or --fd is required";
  std::string err;
  if (!o.tun.empty()) {
    err = SetName("--tun", o.tun, ServeLinkKind::kTun, spec);
  } else if (!o.tap.empty()) {
    err = SetName("--tap", o.tap, ServeLinkKind::kTap, spec);
  } else if (!o.packet_socket.empty()) {
    err = SetName("--packet-socket", o.packet_socket,
                  ServeLinkKind::kPacketSocket, spec);
  } else {
    spec->kind = ServeLinkKind::kFd;
    spec->fd = o.fd;
    if (o.queues != 1) return "--queues needs --tun, --tap or --packet-socket";
    if (!o.device_addrs.empty())
      return "--device-addr needs an interface (--tun, --tap or "
             "--packet-socket)";
    err = CheckFdOpen(o.fd);
  }
  if (!err.empty()) return err;
  if (o.ethernet && spec->kind != ServeLinkKind::kFd)
    return "--ethernet only applies to --fd";
  if (o.join && spec->kind == ServeLinkKind::kFd)
    return "--join needs --tun, --tap or --packet-socket";
  if (err = CheckOffloadSwitches(o.offload); !err.empty()) return err;
  spec->tun_vnet_hdr = TunVnetHeader(o.offload);
  spec->tun_offloads = TunOffloadMask(o.offload);
  spec->ethernet = o.ethernet;
  spec->queues = o.queues;
  spec->mtu = o.mtu;
  for (const std::string& text : o.device_addrs) {
    device::Cidr c;
    if (err = ParseCidrArg("--device-addr", text, &c); !err.empty()) return err;
    if (std::find(spec->device_addrs.begin(), spec->device_addrs.end(), c) !=
        spec->device_addrs.end())
      return "--device-addr " + text + ": given twice";
    spec->device_addrs.push_back(c);
  }
  return "";
}

// HolderError names the processes that already serve the device or
// interface of `spec`, or is empty when there are none.
std::string HolderError(const ServeLinkSpec& spec) {
  std::vector<DeviceHolder> holders;
  std::string what, join;
  if (spec.kind == ServeLinkKind::kTun || spec.kind == ServeLinkKind::kTap) {
    holders = FindTunHolders(spec.name);
    what = spec.kind == ServeLinkKind::kTap ? "tap " : "tun ";
    join = "add queues to it";
  } else if (spec.kind == ServeLinkKind::kPacketSocket) {
    // A missing interface is reported when the sockets are opened.
    if (Result<int> ifindex = device::InterfaceIndex(spec.name))
      holders = FindPacketSocketHolders(*ifindex);
    what = "packet-socket ";
    join = "answer on it too (every frame twice)";
  }
  if (holders.empty()) return "";
  std::string who;
  for (const DeviceHolder& h : holders)
    who += (who.empty() ? "" : ", ") + h.ToString();
  return what + spec.name + " is already served by " + who +
         "; stop it first, or pass --join to " + join;
}

// LinkWatch remembers why the endpoint's receive loops ended on their own
// (the peer of an --fd closed it, or the fd failed) and asks for a stop.
class LinkWatch {
 public:
  explicit LinkWatch(StopSignals* stop) : stop_(stop) {}

  // OnClosed is the endpoint's ClosedFunc; runs on a receive loop thread.
  void OnClosed(const Error& e) {
    {
      MutexLock l(&mu_);
      if (!error_) error_ = e;
    }
    stop_->Request();
  }
  // error is why a loop ended, or nullopt if none did.
  std::optional<Error> error() const {
    MutexLock l(&mu_);
    return error_;
  }

 private:
  StopSignals* const stop_;
  mutable Mutex mu_{"tool.serve.LinkWatch.mu"};
  std::optional<Error> error_ GUARDED_BY(mu_);
};

// ReadyLine is the line scripts wait for, e.g.
// "ready tun fdl0 198.18.0.2 2001:db8::2 udp-echo 7", or under --json the
// same as {"event":"ready","kind":"tun","name":"fdl0","addrs":[...],
// "udp_echo":[7],"offload":{...OffloadJson}}.
std::string ReadyLine(const ServeLink& link,
                      const responder::ResponderConfig& rc,
                      const fdbased::OffloadOptions& offload, bool json) {
  std::vector<std::string> addrs;
  for (const auto& a : rc.ipv4) addrs.push_back(a.ToString());
  for (const auto& a : rc.ipv6) addrs.push_back(a.ToString());
  if (!json) {
    std::string s = "ready " + link.kind_name + " " + link.name;
    for (const std::string& a : addrs) s += " " + a;
    s += " udp-echo";
    for (uint16_t p : rc.udp_echo_ports) s += " " + std::to_string(p);
    return s;
  }
  return Json{{"event", "ready"},
              {"kind", link.kind_name},
              {"name", link.name},
              {"addrs", addrs},
              {"udp_echo", rc.udp_echo_ports},
              {"offload", OffloadJson(offload)}}
      .dump();
}

// Ending is why serving ended: the stop reason printed ("SIGTERM",
// "peer_closed", "link_deleted", "link_error") and, when the link went
// away, what happened in words.
struct Ending {
  std::string stopped_by;
  std::string what;  // Empty after a signal.
  bool failed = false;
};

// WhyStopped decides the Ending from the stop signal (0: none), the
// closed callback's error and whether the interface disappeared.
Ending WhyStopped(int sig, const std::optional<Error>& closed, bool deleted,
                  const ServeLink& link) {
  const std::string where = link.kind_name + " " + link.name;
  if (deleted) {
    return {"link_deleted",
            where + ": the interface was deleted; the link is gone", true};
  }
  if (sig == SIGINT) return {"SIGINT", "", false};
  if (sig == SIGTERM) return {"SIGTERM", "", false};
  if (closed && closed->code == Errc::kPeerClosed) {
    return {"peer_closed", where + ": the peer hung up (end of file)", false};
  }
  return {"link_error",
          where + ": the link failed: " +
              (closed ? closed->ToString() : std::string("unknown error")),
          true};
}

// InterfaceGone reports whether the link's interface no longer exists.
bool InterfaceGone(const ServeLink& link) {
  if (link.ifindex <= 0) return false;
  const Result<device::LinkInfo> info = device::GetLink(link.ifindex);
  return !info && info.error().code == Errc::kNotFound;
}

// WaitForStop waits for a stop request (signal, or the endpoint's closed
// callback) or for the link's interface to disappear; returns true in the
// latter case.
bool WaitForStop(const StopSignals& stop, const ServeLink& link) {
  while (!stop.WaitFor(kLinkCheckInterval)) {
    if (InterfaceGone(link)) return true;
  }
  return false;
}

// PrintBanner prints what is being served to stderr, on a second line the
// offloads in effect ("fdlink serve: tun fdl0: offloads: ..."), and when
// the requested mode fell back, a third naming why ("fdlink serve: tun
// fdl0: reading with readv: io_uring: the kernel has no ...").
void PrintBanner(const ServeLink& link, const fdbased::Endpoint& ep,
                 const fdbased::OffloadOptions& offload) {
  std::fprintf(
      stderr,
      "fdlink serve: %s %s: MTU %u, %zu fd%s, %s, %u processor%s per fd, "
      "%s%s; stop with Ctrl-C or SIGTERM\n",
      link.kind_name.c_str(), link.name.c_str(), ep.MTU(), link.fds.size(),
      link.fds.size() == 1 ? "" : "s",
      fdbased::DispatchModeName(ep.DispatchModeInUse()),
      ep.ProcessorsPerChannel(), ep.ProcessorsPerChannel() == 1 ? "" : "s",
      link.ethernet ? ("Ethernet, MAC " + link.mac.ToString()).c_str()
                    : "raw IP",
      link.up ? "" : " (warning: the interface is down)");
  std::fprintf(stderr, "fdlink serve: %s %s: %s\n", link.kind_name.c_str(),
               link.name.c_str(), OffloadSummary(offload).c_str());
  if (const std::string_view why = ep.DispatchModeFallback(); !why.empty()) {
    std::fprintf(stderr, "fdlink serve: %s %s: reading with %s: %.*s\n",
                 link.kind_name.c_str(), link.name.c_str(),
                 fdbased::DispatchModeName(ep.DispatchModeInUse()),
                 static_cast<int>(why.size()), why.data());
  }
}

// PrintStopped prints why serving ended and the counters to stdout: three
// lines of text, or one JSON "stopped" event with the same names.
void PrintStopped(const ServeOptions& opts, const Ending& end, double seconds,
                  const fdbased::FdCounters& c,
                  const responder::ResponderCounters& r) {
  if (opts.json) {
    PrintJsonLine(Json{{"event", "stopped"},
                       {"stopped_by", end.stopped_by},
                       {"seconds", Rounded(seconds, 3)},
                       {"endpoint", EndpointJson(c)},
                       {"responder", ParsedJson(r.Json())}});
  } else {
    std::printf("stopped by %s after %.1f s\n  endpoint  %s\n  responder %s\n",
                end.stopped_by.c_str(), seconds, EndpointSummary(c).c_str(),
                r.Summary().c_str());
  }
  std::fflush(stdout);
}

int Fail(const ServeOptions& opts, int status, const std::string& message) {
  return ReportError("serve", status, message, opts.json);
}

// ServePlan is what the arguments resolve to before anything is opened.
struct ServePlan {
  ServeLinkSpec spec;
  responder::ResponderConfig rc;
};

// Plan checks the arguments and, unless opts.join, that no other process
// serves the link; returns kExitOk, or the exit status after reporting
// what is wrong.
int Plan(const ServeOptions& opts, ServePlan* plan) {
  if (std::string err = BuildSpec(opts, &plan->spec); !err.empty())
    return Fail(opts, kExitUsage, err);
  if (std::string err = AddResponderAddresses(opts.addrs, &plan->rc);
      !err.empty())
    return Fail(opts, kExitUsage, err);
  if (!opts.pcap_filter.empty() && opts.pcap.empty())
    return Fail(opts, kExitUsage, "--pcap-filter needs --pcap FILE");
  plan->rc.udp_echo_ports = opts.udp_echo_ports;
  if (plan->rc.udp_echo_ports.empty()) plan->rc.udp_echo_ports = {7};
  if (!opts.join) {
    if (std::string err = HolderError(plan->spec); !err.empty())
      return Fail(opts, kExitFailure, err);
  }
  return kExitOk;
}

// ServeRig is everything serving needs, in construction order (members are
// destroyed in reverse: the responder first, the stop signals last).
struct ServeRig {
  std::unique_ptr<StopSignals> stop;
  std::optional<ServeLink> link;
  std::optional<LinkWatch> watch;
  CommandEndpoint ce;  // The endpoint, its offloads, the --pcap sniffer.
  std::optional<responder::Responder> resp;
};

// Open takes the stop signals, opens the link, and builds the endpoint on
// its fds (its closed callback feeding the watch) and the responder;
// returns kExitOk, or the exit status after reporting what failed.
int Open(const ServeOptions& opts, const ServePlan& plan, ServeRig* rig) {
  Result<std::unique_ptr<StopSignals>> stop = StopSignals::Install();
  if (!stop) return Fail(opts, kExitFailure, stop.error().ToString());
  rig->stop = std::move(*stop);
  std::string step;
  Result<ServeLink> link = OpenServeLink(plan.spec, &step);
  if (!link) {
    return Fail(opts, kExitFailure,
                (step.empty() ? "" : step + ": ") + link.error().ToString());
  }
  rig->link.emplace(std::move(*link));
  LinkWatch& watch = rig->watch.emplace(rig->stop.get());
  fdbased::Options o;
  o.fds = rig->link->fds;
  o.mtu = rig->link->mtu;
  o.ethernet_header = rig->link->ethernet;
  o.address = rig->link->mac;
  o.dispatch_mode = opts.mode;
  o.processors_per_channel = opts.processors;
  o.closed_func = [&watch](const Error& e) { watch.OnClosed(e); };
  std::string msg;
  if (int st = StartCommandEndpoint(std::move(o), opts.offload, *rig->link,
                                    {opts.pcap, opts.pcap_filter, "udp port 7"},
                                    &rig->ce, &msg);
      st != kExitOk)
    return Fail(opts, st, msg);
  LinkEndpoint* link_ep = rig->ce.top();
  rig->resp.emplace(link_ep, plan.rc);
  NetworkDispatcher* d = &*rig->resp;
  if (rig->ce.sniff) d = rig->ce.sniff->PrepareAttach(d);
  // A thread that cannot start fails the run here, before anything is
  // announced.
  if (Result<void> a = rig->ce.ep->TryAttach(d); !a) {
    return Fail(opts, kExitFailure,
                "cannot start the endpoint's threads: " + a.error().ToString());
  }
  return kExitOk;
}

// Serve (the responder already attached by Open) announces it (the banner on
// stderr, then the ready line), waits for the stop, detaches, and returns why
// it stopped; *seconds is how long it served.
Ending Serve(const ServeOptions& opts, const ServePlan& plan, ServeRig& rig,
             double* seconds) {
  const ServeLink& link = *rig.link;
  const auto start = Clock::now();
  PrintBanner(link, *rig.ce.ep, rig.ce.offload);
  // The ready line comes last, so a script that waits for it has seen the
  // rest.
  std::printf("%s\n",
              ReadyLine(link, plan.rc, rig.ce.offload, opts.json).c_str());
  std::fflush(stdout);

  bool deleted = WaitForStop(*rig.stop, link);
  rig.ce.ep->Attach(nullptr);
  if (rig.ce.sniff) StopPcapCapture("serve", opts.pcap, rig.ce.sniff.get());
  *seconds = std::chrono::duration<double>(Clock::now() - start).count();

  // A deleted interface also ends the loops (POLLERR) before we look.
  const std::optional<Error> closed = rig.watch->error();
  if (closed && closed->code != Errc::kPeerClosed && !deleted)
    deleted = InterfaceGone(link);
  return WhyStopped(rig.stop->signal_number(), closed, deleted, link);
}

}  // namespace

int RunServe(const ServeOptions& opts) {
  ServePlan plan;
  if (const int status = Plan(opts, &plan); status != kExitOk) return status;
  ServeRig rig;
  if (const int status = Open(opts, plan, &rig); status != kExitOk)
    return status;
  double seconds = 0;
  const Ending end = Serve(opts, plan, rig, &seconds);
  PrintStopped(opts, end, seconds, rig.ce.ep->TotalCounters(),
               rig.resp->Counters());
  if (end.failed) return Fail(opts, kExitFailure, end.what);
  if (!end.what.empty())
    std::fprintf(stderr, "fdlink serve: %s\n", end.what.c_str());
  return kExitOk;
}

}  // namespace fdlink::tool
