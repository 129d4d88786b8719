// `fdlink tun2socks`: open the TUN, put lwIP on it through the adapter,
// relay every connection and UDP flow to its destination, print one
// `ready` line, wait for SIGINT/SIGTERM (printing stats events meanwhile
// when asked), then reset everything, detach and print the counters.
#include "tun2socks/run.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "common/cli_status.h"
#include "common/command_endpoint.h"
#include "common/json.h"
#include "common/offload_flags.h"
#include "common/pcap_capture.h"
#include "common/stop_signals.h"
#include "fdlink/device/link_config.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/link/sniffer/sniffer.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/lwip/stack.h"
#include "fdlink/offload/offload_bits.h"
#include "serve/link.h"
#include "tun2socks/args.h"
#include "tun2socks/counters.h"
#include "tun2socks/direct.h"
#include "tun2socks/relay.h"
#include "tun2socks/socks5.h"
#include "tun2socks/socks5_udp_upstream.h"
#include "tun2socks/udp_relay.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// AdapterSettings are lwIP's side of the translation. The addresses are
// internal to fdlink (packets carry them only between the adapter and
// lwIP; the TUN sees the clients' own addresses), chosen at the top of
// 198.18.0.0/15 and 2001:db8::/32; a client that talks to them reaches
// lwIP itself.
lwip::AdapterConfig AdapterSettings(const Tun2socksOptions& o) {
  lwip::AdapterConfig c;
  c.nat.local4 = *header::Ipv4Address::Parse("198.19.255.254");
  c.netmask4 = *header::Ipv4Address::Parse("255.255.254.0");
  c.nat.pool4 = *header::Ipv4Address::Parse("198.19.254.0");
  c.nat.local6 = *header::Ipv6Address::Parse("2001:db8:ffff:ffff::1");
  c.nat.pool6 = *header::Ipv6Address::Parse("2001:db8:ffff:ffff::1:0");
  c.nat.pool_addresses = 16;
  c.nat.listen_port = 7300;
  c.nat.max_entries =
      static_cast<size_t>(o.max_connections) + o.max_udp_flows + 1024;
  c.nat.udp_idle = std::chrono::seconds(o.udp_timeout_s);
  c.syn_timeout = std::chrono::milliseconds(o.dial_timeout_ms) + 1s;
  // A 64 KiB send buffer would make every 64 KiB toward the client wait
  // for its ACK, which its kernel sends once the reader has run.
  c.send_buffer = static_cast<uint32_t>(o.send_buffer_kib) * 1024;
  // Likewise toward lwIP: its 64 KiB window makes the client wait for an
  // ACK through the endpoint every 64 KiB; twice that halves the waits.
  c.receive_window = lwip::kMaxReceiveWindow;
  return c;
}

// SendSuper is lwIP's largest segment when the TUN takes super-packets:
// as large as an IP packet can be, but at most half the send buffer, so
// that one segment is in flight while the next is filled (measured on
// reverse iperf3 with the 1 MiB default: 9.2-13.6 Gbit/s at 65,535 bytes
// against 8.3-9.5 at 32,768).
uint32_t SendSuper(const lwip::AdapterConfig& c) {
  return std::min<uint32_t>(0xffff, c.send_buffer / 2);
}

int Fail(const Tun2socksOptions& opts, int status, const std::string& msg) {
  return ReportError("tun2socks", status, msg, opts.json);
}

// Rig is everything a run needs, in construction order (destroyed in
// reverse: the relay first, the stop signals last).
struct Rig {
  std::unique_ptr<StopSignals> stop;
  std::optional<ServeLink> link;
  uint32_t txqueuelen = 0;  // The TUN's queue length, as the kernel says.
  CommandEndpoint ce;       // The endpoint, its offloads, the --pcap sniffer.
  std::unique_ptr<tun2socks::Upstream> upstream;
  std::unique_ptr<tun2socks::UdpUpstream> udp_upstream;  // Null: no UDP.
  std::unique_ptr<lwip::NetifAdapter> adapter;
  std::unique_ptr<tun2socks::UdpRelay> udp;
  std::unique_ptr<tun2socks::Relay> relay;
};

// MakeUpstreams builds the TCP and UDP upstreams for the flags; returns
// kExitOk or the status after reporting.
int MakeUpstreams(const Tun2socksOptions& opts, uint32_t mark, Rig* rig) {
  if (opts.direct) {
    tun2socks::OutboundPolicy policy{mark, opts.bind_device};
    rig->upstream = std::make_unique<tun2socks::DirectUpstream>(policy);
    rig->udp_upstream = std::make_unique<tun2socks::DirectUdpUpstream>(policy);
    return kExitOk;
  }
  Result<tun2socks::Socks5Config> config =
      tun2socks::ParseSocks5Server(opts.socks5);
  if (!config) return Fail(opts, kExitUsage, config.error().what);
  if (!opts.socks5_user.empty()) config->user = opts.socks5_user;
  if (!opts.socks5_pass.empty()) config->pass = opts.socks5_pass;
  config->connect_timeout = std::chrono::milliseconds(opts.dial_timeout_ms);
  Result<std::unique_ptr<tun2socks::Socks5Upstream>> socks =
      tun2socks::Socks5Upstream::Create(*config);
  if (!socks)
    return Fail(opts,
                socks.error().code == Errc::kInvalidArgument ? kExitUsage
                                                             : kExitFailure,
                socks.error().what);
  // UDP goes through the server's UDP ASSOCIATE, one association a flow.
  rig->udp_upstream =
      std::make_unique<tun2socks::Socks5UdpUpstream>(socks->get());
  rig->upstream = std::move(*socks);
  return kExitOk;
}

// SetQueueLength sets the TUN's queue length (unless --txqueuelen 0) and
// reads it back; kExitOk or the reported status. The kernel drops what
// comes for the TUN while its queue is full: at a TUN's own 500 packets,
// a burst of 1,000 connections lost half its SYNs, and their clients
// waited a second or more for each retransmission.
int SetQueueLength(const Tun2socksOptions& opts, Rig* rig) {
  const int index = rig->link->ifindex;
  if (opts.txqueuelen != 0) {
    if (Result<void> q = device::SetTxQueueLength(
            index, static_cast<uint32_t>(opts.txqueuelen));
        !q) {
      return Fail(opts, kExitFailure,
                  "tun " + opts.tun + ": cannot set its queue length to " +
                      std::to_string(opts.txqueuelen) + ": " +
                      q.error().ToString());
    }
  }
  Result<device::LinkInfo> info = device::GetLink(index);
  if (!info) {
    return Fail(opts, kExitFailure,
                "tun " + opts.tun +
                    ": cannot read it back: " + info.error().ToString());
  }
  rig->txqueuelen = info->tx_queue_len;
  return kExitOk;
}

// Open sets everything up and attaches; kExitOk or the reported status.
int Open(const Tun2socksOptions& opts, uint32_t mark, Rig* rig) {
  if (int s = MakeUpstreams(opts, mark, rig); s != kExitOk) return s;
  Result<std::unique_ptr<StopSignals>> stop = StopSignals::Install();
  if (!stop) return Fail(opts, kExitFailure, stop.error().ToString());
  rig->stop = std::move(*stop);
  ServeLinkSpec spec;
  spec.kind = ServeLinkKind::kTun;
  spec.name = opts.tun;
  spec.queues = opts.queues;
  spec.mtu = opts.mtu;
  spec.tun_vnet_hdr = TunVnetHeader(opts.offload);
  spec.tun_offloads = TunOffloadMask(opts.offload);
  std::string step;
  Result<ServeLink> link = OpenServeLink(spec, &step);
  if (!link) {
    return Fail(opts, kExitFailure,
                (step.empty() ? "" : step + ": ") + link.error().ToString());
  }
  rig->link.emplace(std::move(*link));
  if (int s = SetQueueLength(opts, rig); s != kExitOk) return s;
  if (Result<void> up = device::SetUp(rig->link->ifindex, true); !up) {
    return Fail(
        opts, kExitFailure,
        "tun " + opts.tun + ": cannot bring it up: " + up.error().ToString());
  }
  fdbased::Options o;
  o.fds = rig->link->fds;
  o.mtu = rig->link->mtu;
  o.dispatch_mode = opts.mode;
  // One thread per queue reads and hands its packets to lwIP itself:
  // lwIP runs under one core lock, so processor threads would only add a
  // hand-off (measured: 2.6 against 2.0 Gbit/s forward) and contend.
  o.processors_per_channel = 1;
  std::string msg;
  if (int st = StartCommandEndpoint(
          std::move(o), opts.offload, *rig->link,
          {opts.pcap, opts.pcap_filter, "tcp port 80"}, &rig->ce, &msg);
      st != kExitOk)
    return Fail(opts, st, msg);
  LinkEndpoint* link_ep = rig->ce.top();
  lwip::AdapterConfig ac = AdapterSettings(opts);
  const fdbased::OffloadOptions& off = rig->ce.offload;
  if (off.vnet_header && off.gso &&
      (off.kernel_offloads & offload::kTunFTso4)) {
    // The kernel takes TCP super-packets on this TUN: lwIP sends large
    // segments, each written once and cut by the kernel (send_super).
    ac.send_super = SendSuper(ac);
  }
  Result<std::unique_ptr<lwip::NetifAdapter>> adapter =
      lwip::NetifAdapter::Create(link_ep, ac);
  if (!adapter) {
    return Fail(opts, kExitFailure,
                "cannot start lwIP on the TUN: " + adapter.error().ToString());
  }
  rig->adapter = std::move(*adapter);
  tun2socks::RelayConfig rc;
  rc.dial_timeout = std::chrono::milliseconds(opts.dial_timeout_ms);
  rc.idle_timeout = std::chrono::seconds(opts.idle_timeout_s);
  rc.max_connections = static_cast<size_t>(opts.max_connections);
  Result<std::unique_ptr<tun2socks::Relay>> relay =
      tun2socks::Relay::Create(rig->adapter.get(), rig->upstream.get(), rc);
  if (!relay) return Fail(opts, kExitFailure, relay.error().ToString());
  rig->relay = std::move(*relay);
  if (rig->udp_upstream != nullptr) {
    tun2socks::UdpRelayConfig uc;
    uc.idle_timeout = std::chrono::seconds(opts.udp_timeout_s);
    uc.max_flows = static_cast<size_t>(opts.max_udp_flows);
    rig->udp = std::make_unique<tun2socks::UdpRelay>(
        rig->adapter.get(), rig->udp_upstream.get(), uc,
        rig->relay->epoll_fd());
  }
  rig->relay->Install(rig->udp.get());
  if (Result<void> r = rig->relay->Start(); !r) {
    return Fail(opts, kExitFailure,
                "cannot start the relay thread: " + r.error().ToString());
  }
  rig->adapter->Attach();
  return kExitOk;
}

tun2socks::Snapshot Collect(const Rig& rig) {
  tun2socks::Snapshot s;
  s.tcp = rig.relay->Counters();
  s.udp = rig.relay->UdpCountersNow();
  s.adapter = rig.adapter->Counters();
  s.nat = rig.adapter->TranslationCounters();
  s.adapter_connections = rig.adapter->OpenConnections();
  lwip::Stack& stack = lwip::Stack::Get();
  lwip::CoreLockGuard g;
  s.pcbs = stack.ActiveTcpPcbs();
  return s;
}

void PrintReady(const Tun2socksOptions& opts, const Rig& rig) {
  const ServeLink& link = *rig.link;
  std::fprintf(stderr,
               "fdlink tun2socks: tun %s: MTU %u, %zu queue%s, %s, upstream "
               "%s; %s; stop with Ctrl-C or SIGTERM\n",
               link.name.c_str(), rig.ce.ep->MTU(), link.fds.size(),
               link.fds.size() == 1 ? "" : "s",
               fdbased::DispatchModeName(rig.ce.ep->DispatchModeInUse()),
               rig.upstream->Name(), OffloadSummary(rig.ce.offload).c_str());
  if (opts.json) {
    PrintJsonLine(Json{{"event", "ready"},
                       {"tun", link.name},
                       {"upstream", rig.upstream->Name()},
                       {"mtu", rig.ce.ep->MTU()},
                       {"queues", link.fds.size()},
                       {"txqueuelen", rig.txqueuelen},
                       {"udp", rig.udp != nullptr},
                       {"offload", OffloadJson(rig.ce.offload)}});
  } else {
    std::printf("ready tun %s upstream %s mtu %u\n", link.name.c_str(),
                rig.upstream->Name(), rig.ce.ep->MTU());
    std::fflush(stdout);
  }
}

void PrintStats(const Tun2socksOptions& opts, const Rig& rig, double seconds) {
  const tun2socks::Snapshot s = Collect(rig);
  if (opts.json) {
    PrintJsonLine(Json{{"event", "stats"},
                       {"seconds", Rounded(seconds, 3)},
                       {"counters", tun2socks::SnapshotJson(s)}});
  } else {
    std::printf("stats after %.1f s\n%s", seconds,
                tun2socks::SnapshotText(s).c_str());
    std::fflush(stdout);
  }
}

}  // namespace

int RunTun2socks(const Tun2socksOptions& opts) {
  uint32_t mark = 0;
  if (std::string err = tun2socks::CheckTun2socksOptions(opts, &mark);
      !err.empty())
    return Fail(opts, kExitUsage, err);
  Rig rig;
  if (int s = Open(opts, mark, &rig); s != kExitOk) return s;
  const auto start = Clock::now();
  PrintReady(opts, rig);
  const auto interval = opts.stats_interval_ms > 0
                            ? std::chrono::milliseconds(opts.stats_interval_ms)
                            : std::chrono::milliseconds(500);
  auto next = start + interval;
  while (
      !rig.stop->WaitFor(std::chrono::duration_cast<std::chrono::milliseconds>(
          std::max(next - Clock::now(), Clock::duration::zero())))) {
    if (opts.stats_interval_ms > 0) {
      PrintStats(opts, rig,
                 std::chrono::duration<double>(Clock::now() - start).count());
    }
    next += interval;
  }
  // Reset every connection on both sides, then detach from the TUN.
  rig.relay->Stop();
  rig.adapter->Detach();
  if (rig.ce.sniff) StopPcapCapture("tun2socks", opts.pcap, rig.ce.sniff.get());
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  const int sig = rig.stop->signal_number();
  const std::string by = sig == SIGINT    ? "SIGINT"
                         : sig == SIGTERM ? "SIGTERM"
                                          : "request";
  const tun2socks::Snapshot s = Collect(rig);
  if (opts.json) {
    PrintJsonLine(Json{{"event", "stopped"},
                       {"stopped_by", by},
                       {"seconds", Rounded(seconds, 3)},
                       {"counters", tun2socks::SnapshotJson(s)}});
  } else {
    std::printf("stopped by %s after %.1f s\n%s", by.c_str(), seconds,
                tun2socks::SnapshotText(s).c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace fdlink::tool
