// The demo's socketpair mode: the endpoint on one end of each pair, the
// reference responder attached to it, and a built-in generator on the other
// ends that sends echo requests and verifies every reply, while the control
// thread detaches and re-attaches mid-traffic.
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/cli_status.h"
#include "common/endpoint_report.h"
#include "common/json.h"
#include "common/latency.h"
#include "demo/run.h"
#include "demo/traffic.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/responder/responder.h"
#include "fdlink/sys/self_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kFds = 2;
constexpr size_t kWindow = 32;
constexpr RequestKind kKinds[] = {RequestKind::kIcmpv4Echo,
                                  RequestKind::kIcmpv6Echo, RequestKind::kUdpv4,
                                  RequestKind::kUdpv6};

// kResendAfter is how long the generator waits for a window's missing
// replies before it sends those requests again: a detach drops what the
// endpoint had read but not delivered (counted as kDetached), as a link
// loses packets, and the generator recovers as a client would.
constexpr auto kResendAfter = std::chrono::milliseconds(200);
// kGiveUp bounds how long a window may go without any reply.
constexpr auto kGiveUp = std::chrono::seconds(5);

// TrafficResult is what the generator saw. `sent` counts requests (a
// resent one once), `resent` the extra copies, `duplicates` replies to a
// request already answered (its first copy was not lost after all).
struct TrafficResult {
  uint64_t sent = 0, received = 0, verified = 0, resent = 0, duplicates = 0;
  std::array<uint64_t, 4> by_kind{};
  std::string first_error;
};

// Window sends the generator's windows of requests and collects their
// replies; it keeps each request, by sequence, until it is answered.
class Window {
 public:
  Window(const DemoAddresses& a, std::span<const int> peers, TrafficResult* r)
      : a_(a), peers_(peers), r_(*r), pending_(65536), resent_(65536) {}

  // Run sends kWindow requests from *seq on and collects their replies,
  // resending the missing ones every kResendAfter; false (with
  // first_error set) on a write failure or kGiveUp without progress.
  bool Run(uint16_t* seq) {
    const uint16_t first = *seq;
    for (size_t i = 0; i < kWindow; ++i, ++*seq) {
      pending_[*seq] = BuildRequest(a_, kKinds[*seq % 4], *seq, 56);
      resent_[*seq] = false;
      if (!Send(*seq)) return false;
      ++r_.sent;
    }
    size_t outstanding = kWindow;
    auto give_up = Clock::now() + kGiveUp;
    auto resend_at = Clock::now() + kResendAfter;
    while (outstanding > 0) {
      const auto now = Clock::now();
      if (now >= give_up) return Fail("timed out waiting for replies");
      if (now >= resend_at) {
        for (uint16_t s = first; s != *seq; ++s) {
          if (!pending_[s]) continue;
          resent_[s] = true;
          ++r_.resent;
          if (!Send(s)) return false;
        }
        resend_at = now + kResendAfter;
      }
      std::vector<pollfd> pfds;
      for (int fd : peers_) pfds.push_back({fd, POLLIN, 0});
      const Result<size_t> ready = sys::Poll(pfds, 20);
      if (!ready) return Fail("poll failed");
      for (const pollfd& p : pfds) {
        if ((p.revents & POLLIN) && Receive(p.fd)) {
          --outstanding;
          give_up = Clock::now() + kGiveUp;
        }
      }
    }
    return true;
  }

 private:
  bool Send(uint16_t s) {
    if (sys::Write(peers_[s % peers_.size()], *pending_[s])) return true;
    return Fail("peer write failed");
  }

  bool Fail(const char* what) {
    if (r_.first_error.empty()) r_.first_error = what;
    return false;
  }

  // Receive reads one reply from fd and checks it; true when it answered a
  // pending request.
  bool Receive(int fd) {
    Result<size_t> n = sys::Read(fd, buf_);
    if (!n || *n == 0) return false;
    ++r_.received;
    std::span<const uint8_t> reply(buf_.data(), *n);
    const int s = ReplySequence(reply);
    if (s < 0) return Fail("unexpected reply");
    const auto i = static_cast<size_t>(s);
    if (!pending_[i]) {
      if (!resent_[i]) return Fail("unexpected reply");
      ++r_.duplicates;  // The second answer to a resent request.
      return false;
    }
    std::string err = CheckReply(*pending_[i], reply);
    if (!err.empty()) {
      if (r_.first_error.empty()) r_.first_error = err;
    } else {
      ++r_.verified;
      ++r_.by_kind[i % 4];
    }
    pending_[i].reset();
    return true;
  }

  const DemoAddresses& a_;
  std::span<const int> peers_;
  TrafficResult& r_;
  std::vector<std::optional<std::vector<uint8_t>>> pending_;
  std::vector<bool> resent_;
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(70000);
};

// RunTraffic sends windows of requests over the peer fds until `stop`;
// every reply is matched to its request by sequence and checked.
TrafficResult RunTraffic(const DemoAddresses& a, std::span<const int> peers,
                         const std::atomic<bool>& stop) {
  TrafficResult r;
  Window w(a, peers, &r);
  uint16_t seq = 0;
  while (!stop.load() && w.Run(&seq)) {
  }
  return r;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// PairRig is everything the run needs, in construction order (members are
// destroyed in reverse: the responder first, the socketpairs last).
struct PairRig {
  DemoAddresses addrs;
  std::vector<UniqueFd> ours, peers;  // The endpoint's ends, the generator's.
  std::unique_ptr<fdbased::Endpoint> ep;
  std::optional<responder::Responder> resp;
};

// SetUp makes the socketpairs, the endpoint on their one ends and the
// responder; returns kExitOk, or the exit status after reporting what
// failed.
int SetUp(const DemoOptions& opts, PairRig* rig) {
  rig->ours.resize(kFds);
  rig->peers.resize(kFds);
  for (size_t i = 0; i < kFds; ++i) {
    if (Result<void> r =
            sys::SocketPair(SOCK_SEQPACKET, &rig->ours[i], &rig->peers[i]);
        !r) {
      return ReportError("demo", kExitFailure, r.error().ToString(), opts.json);
    }
  }
  fdbased::Options o;
  for (auto& f : rig->ours) o.fds.push_back(f.get());
  o.mtu = 1500;
  o.dispatch_mode = opts.mode;
  o.processors_per_channel = 1;
  // Socketpairs carry no virtio-net header; the switches still govern the
  // endpoint's own GRO, GSO and checksum work.
  o.offload = EndpointOffloads(opts.offload, false, 0);
  auto ep = fdbased::Endpoint::Create(std::move(o));
  if (!ep) {
    return ReportError("demo", kExitFailure, ep.error().ToString(), opts.json);
  }
  rig->ep = std::move(*ep);
  responder::ResponderConfig rc;
  rc.ipv4.push_back(header::Ipv4Address::Parse(rig->addrs.ours4).value());
  rc.ipv6.push_back(header::Ipv6Address::Parse(rig->addrs.ours6).value());
  rc.udp_echo_ports = {rig->addrs.udp_port};
  rig->resp.emplace(rig->ep.get(), rc);
  if (Result<void> a = rig->ep->TryAttach(&*rig->resp); !a) {
    return ReportError("demo", kExitFailure, a.error().ToString(), opts.json);
  }
  return kExitOk;
}

// PrintSetup prints the text mode's first two lines: what was built.
void PrintSetup(const DemoOptions& opts, const PairRig& rig) {
  if (opts.json) return;
  std::printf(
      "fdlink demo: socketpair mode (%s)\n"
      "  setup    %zu SOCK_SEQPACKET socketpairs -> fd-based endpoint (%s, 1 "
      "processor per fd) -> responder %s / %s, UDP echo on %u\n",
      sys::IsRoot() ? "--socketpair given"
                    : "not root: no TUN device; run as root to have the "
                      "Linux kernel ping the responder",
      kFds, ModeInUse(*rig.ep).c_str(), rig.addrs.ours4.c_str(),
      rig.addrs.ours6.c_str(), rig.addrs.udp_port);
  std::fflush(stdout);
}

// PairOutcome is what one run measured.
struct PairOutcome {
  double elapsed = 0;  // Seconds of traffic.
  TrafficResult traffic;
  LatencyStats detach;
  uint64_t detach_drops = 0;  // Requests read during a detach (resent).
  fdbased::FdCounters endpoint;
  responder::ResponderCounters responder;
};

// Drive (the responder already attached by SetUp) runs the generator on its own
// thread for opts.seconds while detaching and re-attaching opts.cycles times
// (each detach timed), then detaches and collects the counters.
PairOutcome Drive(const DemoOptions& opts, PairRig& rig) {
  PairOutcome out;
  std::atomic<bool> stop{false};
  std::vector<int> peer_fds;
  for (auto& f : rig.peers) peer_fds.push_back(f.get());
  const auto start = Clock::now();
  std::thread gen([&] { out.traffic = RunTraffic(rig.addrs, peer_fds, stop); });
  const auto total = std::chrono::duration<double>(opts.seconds);
  for (int i = 0; i < opts.cycles; ++i) {
    std::this_thread::sleep_until(start +
                                  std::chrono::duration_cast<Clock::duration>(
                                      total * (i + 1) / (opts.cycles + 1)));
    const auto t0 = Clock::now();
    rig.ep->Attach(nullptr);
    out.detach.Add(Clock::now() - t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    rig.ep->Attach(&*rig.resp);
  }
  std::this_thread::sleep_until(
      start + std::chrono::duration_cast<Clock::duration>(total));
  stop = true;
  gen.join();
  out.elapsed = Seconds(Clock::now() - start);
  rig.ep->Attach(nullptr);
  out.endpoint = rig.ep->TotalCounters();
  out.detach_drops = out.endpoint.drops_of(fdbased::DropReason::kDetached);
  out.responder = rig.resp->Counters();
  return out;
}

// Verified reports whether every request was answered and verified and the
// endpoint dropped nothing but what a detach caught.
bool Verified(const PairOutcome& out) {
  const TrafficResult& t = out.traffic;
  return t.first_error.empty() && t.sent > 0 && t.verified == t.sent &&
         out.endpoint.total_drops() == out.detach_drops &&
         out.responder.total_drops() == 0;
}

// PrintJson prints the run as one JSON object.
void PrintJson(PairOutcome& out, bool ok) {
  const TrafficResult& t = out.traffic;
  const fdbased::FdCounters& c = out.endpoint;
  PrintJsonLine(Json{{"mode", "socketpair"},
                     {"seconds", Rounded(out.elapsed, 3)},
                     {"sent", t.sent},
                     {"received", t.received},
                     {"verified", t.verified},
                     {"resent", t.resent},
                     {"duplicates", t.duplicates},
                     {"requests_per_s",
                      std::llround(static_cast<double>(t.sent) / out.elapsed)},
                     {"detach_cycles", out.detach.count()},
                     {"detach_p50_us", Rounded(out.detach.Percentile(50), 1)},
                     {"detach_max_us", Rounded(out.detach.Max(), 1)},
                     {"endpoint_rx", c.rx_packets},
                     {"endpoint_tx", c.tx_packets},
                     {"endpoint_drops", c.total_drops()},
                     {"detach_drops", out.detach_drops},
                     {"responder", ParsedJson(out.responder.Json())},
                     {"ok", ok}});
}

// PrintText prints the run's lines after the setup lines, ending with the
// result.
void PrintText(PairOutcome& out, bool ok) {
  using ull = unsigned long long;
  const TrafficResult& t = out.traffic;
  const fdbased::FdCounters& c = out.endpoint;
  const std::string result =
      ok ? "PASS: every request answered and verified"
         : "FAIL: " + (t.first_error.empty()
                           ? std::string("counts do not match")
                           : t.first_error);
  std::printf(
      "  traffic  %.1f s: %llu requests sent, %llu replies received, %llu "
      "verified byte-exact\n"
      "           (ICMPv4 echo %llu, ICMPv6 echo %llu, UDPv4 echo %llu, "
      "UDPv6 echo %llu)\n"
      "  rate     %.0f requests/s, %.0f packets/s through the endpoint\n"
      "  detach   %zu detach/re-attach cycles mid-traffic: detach latency "
      "p50 %.0f us, max %.0f us;\n"
      "           %llu requests caught by a detach, %llu resent\n"
      "  endpoint rx %llu packets, tx %llu packets, %llu dropped\n"
      "  stack    %s\n"
      "  result   %s\n",
      out.elapsed, ull(t.sent), ull(t.received), ull(t.verified),
      ull(t.by_kind[0]), ull(t.by_kind[1]), ull(t.by_kind[2]),
      ull(t.by_kind[3]), static_cast<double>(t.sent) / out.elapsed,
      static_cast<double>(c.rx_packets + c.tx_packets) / out.elapsed,
      out.detach.count(), out.detach.Percentile(50), out.detach.Max(),
      ull(out.detach_drops), ull(t.resent), ull(c.rx_packets),
      ull(c.tx_packets), ull(c.total_drops()), out.responder.Summary().c_str(),
      result.c_str());
}

}  // namespace

int RunSocketpairDemo(const DemoOptions& opts) {
  PairRig rig;
  if (const int status = SetUp(opts, &rig); status != kExitOk) return status;
  PrintSetup(opts, rig);
  PairOutcome out = Drive(opts, rig);
  const bool ok = Verified(out);
  if (opts.json) {
    PrintJson(out, ok);
  } else {
    PrintText(out, ok);
  }
  return ok ? 0 : 1;
}

}  // namespace fdlink::tool
