// `fdlink serve`: open the link, attach the reference responder, print one
// `ready` line, wait for SIGINT/SIGTERM, detach and print the counters.
#include "serve.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "fdlink/base/mutex.h"
#include "fdlink/device/cidr.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/responder/responder.h"
#include "serve_link.h"
#include "serve_report.h"
#include "serve_signals.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kUsageError = 2;

int Fail(int status, const std::string& message) {
  std::fprintf(stderr, "fdlink serve: %s\n", message.c_str());
  return status;
}

// AddResponderAddress parses an --addr value ("198.18.0.2",
// "2001:db8::2/64": a prefix is accepted and ignored) into `rc`.
bool AddResponderAddress(const std::string& text,
                         responder::ResponderConfig* rc, std::string* err) {
  std::string addr = text;
  if (const size_t slash = text.find('/'); slash != std::string::npos) {
    if (Result<device::Cidr> c = device::Cidr::Parse(text); !c) {
      *err = "--addr " + text + ": " + c.error().what;
      return false;
    }
    addr = text.substr(0, slash);
  }
  if (Result<header::Ipv4Address> v4 = header::Ipv4Address::Parse(addr)) {
    rc->ipv4.push_back(*v4);
    return true;
  }
  if (Result<header::Ipv6Address> v6 = header::Ipv6Address::Parse(addr)) {
    rc->ipv6.push_back(*v6);
    return true;
  }
  *err = "--addr " + text +
         ": bad address: expected an IPv4 or IPv6 address, optionally "
         "with /PREFIX";
  return false;
}

// BuildSpec checks the flag combination and turns it into a link spec;
// returns an error message, empty when the flags are fine.
std::string BuildSpec(const ServeOptions& o, ServeLinkSpec* spec) {
  const int chosen =
      !o.tun.empty() + !o.tap.empty() + !o.packet_socket.empty() + (o.fd >= 0);
  if (chosen != 1)
    return "exactly one of --tun, --tap, --packet-socket or --fd is required";
  if (!o.tun.empty()) {
    spec->kind = ServeLinkKind::kTun;
    spec->name = o.tun;
  } else if (!o.tap.empty()) {
    spec->kind = ServeLinkKind::kTap;
    spec->name = o.tap;
  } else if (!o.packet_socket.empty()) {
    spec->kind = ServeLinkKind::kPacketSocket;
    spec->name = o.packet_socket;
  } else {
    spec->kind = ServeLinkKind::kFd;
    spec->fd = o.fd;
    if (o.queues != 1) return "--queues needs --tun, --tap or --packet-socket";
    if (!o.device_addrs.empty())
      return "--device-addr needs an interface (--tun, --tap or "
             "--packet-socket)";
  }
  if (o.ethernet && spec->kind != ServeLinkKind::kFd)
    return "--ethernet only applies to --fd";
  spec->ethernet = o.ethernet;
  spec->queues = o.queues;
  spec->mtu = o.mtu;
  for (const std::string& text : o.device_addrs) {
    Result<device::Cidr> c = device::Cidr::Parse(text);
    if (!c) return "--device-addr " + text + ": " + c.error().what;
    spec->device_addrs.push_back(*c);
  }
  return "";
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
// "ready tun fdl0 198.18.0.2 2001:db8::2 udp-echo 7".
std::string ReadyLine(const ServeLink& link,
                      const responder::ResponderConfig& rc) {
  std::string s = "ready " + link.kind_name + " " + link.name;
  for (const auto& a : rc.ipv4) s += " " + a.ToString();
  for (const auto& a : rc.ipv6) s += " " + a.ToString();
  s += " udp-echo";
  for (uint16_t p : rc.udp_echo_ports) s += " " + std::to_string(p);
  return s;
}

// StopReason names what ended the serving: the signal, else the link.
std::string StopReason(int sig, const std::optional<Error>& closed) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  if (closed && closed->code == Errc::kPeerClosed) return "peer_closed";
  return "link_error";
}

}  // namespace

int RunServe(const ServeOptions& opts) {
  ServeLinkSpec spec;
  if (std::string err = BuildSpec(opts, &spec); !err.empty())
    return Fail(kUsageError, err);
  responder::ResponderConfig rc;
  for (const std::string& a : opts.addrs) {
    std::string err;
    if (!AddResponderAddress(a, &rc, &err)) return Fail(kUsageError, err);
  }
  if (rc.ipv4.empty() && rc.ipv6.empty())
    return Fail(kUsageError,
                "at least one --addr (an address the responder answers for) "
                "is required");
  rc.udp_echo_ports = opts.udp_echo_ports;
  if (rc.udp_echo_ports.empty()) rc.udp_echo_ports = {7};

  Result<std::unique_ptr<StopSignals>> stop = StopSignals::Install();
  if (!stop) return Fail(1, stop.error().ToString());
  std::string step;
  Result<ServeLink> link = OpenServeLink(spec, &step);
  if (!link) {
    return Fail(1, (step.empty() ? "" : step + ": ") + link.error().ToString());
  }

  LinkWatch watch(stop->get());
  fdbased::Options o;
  o.fds = link->fds;
  o.mtu = link->mtu;
  o.ethernet_header = link->ethernet;
  o.address = link->mac;
  o.dispatch_mode = opts.mode;
  o.processors_per_channel = opts.processors;
  o.closed_func = [&watch](const Error& e) { watch.OnClosed(e); };
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(o));
  if (!ep) return Fail(1, ep.error().ToString());
  responder::Responder resp(ep->get(), rc);

  (*ep)->Attach(&resp);
  const auto start = Clock::now();
  std::fprintf(
      stderr,
      "fdlink serve: %s %s: MTU %u, %zu fd%s, %s, %u processor%s per fd, "
      "%s%s; stop with Ctrl-C or SIGTERM\n",
      link->kind_name.c_str(), link->name.c_str(), (*ep)->MTU(),
      link->fds.size(), link->fds.size() == 1 ? "" : "s",
      fdbased::DispatchModeName((*ep)->DispatchModeInUse()),
      (*ep)->ProcessorsPerChannel(),
      (*ep)->ProcessorsPerChannel() == 1 ? "" : "s",
      link->ethernet ? ("Ethernet, MAC " + link->mac.ToString()).c_str()
                     : "raw IP",
      link->up ? "" : " (warning: the interface is down)");
  // The ready line comes last, so a script that waits for it has seen the
  // rest.
  std::printf("%s\n", ReadyLine(*link, rc).c_str());
  std::fflush(stdout);

  while (!(*stop)->WaitFor(std::chrono::hours(1))) {
  }
  (*ep)->Attach(nullptr);
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();

  const std::optional<Error> closed = watch.error();
  const bool failed = closed && closed->code != Errc::kPeerClosed;
  const fdbased::FdCounters c = (*ep)->TotalCounters();
  const responder::ResponderCounters r = resp.Counters();
  const std::string why = StopReason((*stop)->signal_number(), closed);
  if (opts.json) {
    std::printf(
        "{\"stopped_by\":\"%s\",\"seconds\":%.3f,\"endpoint\":%s,"
        "\"responder\":%s}\n",
        why.c_str(), seconds, EndpointJson(c).c_str(), r.Json().c_str());
  } else {
    std::printf("stopped by %s after %.1f s\n  endpoint  %s\n  responder %s\n",
                why.c_str(), seconds, EndpointSummary(c).c_str(),
                r.Summary().c_str());
  }
  std::fflush(stdout);
  if (closed) {
    std::fprintf(stderr, "fdlink serve: the link's receive loop ended: %s\n",
                 closed->ToString().c_str());
  }
  return failed ? 1 : 0;
}

}  // namespace fdlink::tool
