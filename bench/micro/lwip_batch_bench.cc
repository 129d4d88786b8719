// lwIP adapter batching: a bulk TCP transfer between a kernel socket and
// a NetifAdapter Connection through a TUN in a private namespace, with
// AdapterConfig::batch on and off and the TUN's offloads (virtio-net
// header, TSO) on and off, side by side in one run. BM_LwipToKernel: the
// Connection writes, the kernel socket reads (lwIP's segments through the
// endpoint's TX coalescing); BM_KernelToLwip: the kernel socket writes,
// the Connection consumes (receive batches, lwIP's ACKs). Counters:
// seg_per_write (lwIP's packets per WritePackets call), coalesced_share
// (the share of written packets that went out inside a coalesced GSO
// write). Needs CAP_SYS_ADMIN (a namespace and a TUN); without it the
// benchmark reports an error and is skipped.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/device/tun.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/sys/syscalls.h"
#include "micro/bench_support.h"

namespace fdlink::bench {
namespace {

using namespace std::chrono_literals;

constexpr size_t kChunk = 1 << 20;  // Bytes per iteration.

// Rig is one transfer's setup: namespace, TUN, endpoint, adapter, and a
// connected kernel socket whose peer is `conn`.
struct Rig {
  std::optional<device::NetNs> ns;
  std::optional<device::TunDevice> tun;
  std::unique_ptr<fdbased::Endpoint> ep;
  std::unique_ptr<lwip::NetifAdapter> adapter;
  UniqueFd client;
  std::vector<uint8_t> data = Pattern(65536);
  std::atomic<bool> accepted{false};
  std::atomic<uint64_t> consumed{0};
  bool lwip_sends = false;  // Guarded by core_lock (set before Attach).

  void Pump(lwip::Connection& c) REQUIRES(lwip::core_lock) {
    if (!lwip_sends) return;
    for (;;) {
      Result<size_t> n = c.Write(data);
      if (!n || *n == 0) return;
    }
  }

  // Start builds the rig; false (with `why`) when it cannot.
  bool Start(bool offload, bool batch, bool lwip_to_kernel, std::string* why) {
    Result<device::NetNs> n = device::NetNs::Create();
    if (!n) {
      *why = n.error().ToString();
      return false;
    }
    ns.emplace(std::move(*n));
    bool ok = false;
    (void)ns->Run([&] {
      Result<device::TunDevice> d =
          device::OpenTun({.name = "fdlb0",
                           .vnet_hdr = offload,
                           .offloads = offload ? device::kTunAllOffloads : 0u});
      if (!d) return;
      if (!device::AddAddress(d->ifindex(),
                              device::Cidr::Parse("198.18.64.1/24").value()) ||
          !device::SetUp(d->ifindex(), true)) {
        return;
      }
      tun.emplace(std::move(*d));
      client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      ok = client.valid();
      if (ok) {
        timeval tv{10, 0};  // A stalled transfer fails, never hangs.
        ::setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
      }
    });
    if (!ok) {
      *why = "TUN or socket setup failed";
      return false;
    }
    fdbased::Options o;
    o.fds = tun->borrowed_fds();
    o.offload.vnet_header = offload;
    o.offload.kernel_offloads = offload ? tun->offloads() : 0;
    Result<std::unique_ptr<fdbased::Endpoint>> e =
        fdbased::Endpoint::Create(std::move(o));
    if (!e) {
      *why = e.error().ToString();
      return false;
    }
    ep = std::move(*e);
    lwip::AdapterConfig c;
    c.nat.local4 = header::Ipv4Address::Parse("198.19.0.1").value();
    c.nat.local6 = header::Ipv6Address::Parse("2001:db8:ff::1").value();
    c.nat.listen_port = 7000;
    c.nat.pool4 = header::Ipv4Address::Parse("198.19.1.0").value();
    c.nat.pool6 = header::Ipv6Address::Parse("2001:db8:ff::1:0").value();
    c.nat.pool_addresses = 4;
    c.netmask4 = header::Ipv4Address::Parse("255.255.0.0").value();
    c.batch = batch;
    Result<std::unique_ptr<lwip::NetifAdapter>> a =
        lwip::NetifAdapter::Create(ep.get(), c);
    if (!a) {
      *why = a.error().ToString();
      return false;
    }
    adapter = std::move(*a);
    {
      lwip::CoreLockGuard g;
      lwip_sends = lwip_to_kernel;
    }
    adapter->OnAccept([this](lwip::Connection& c) {
      lwip::core_lock.AssertHeld();
      c.OnRecv([this](lwip::Connection& c, std::span<const uint8_t> d) {
        lwip::core_lock.AssertHeld();
        consumed += d.size();
        c.Consumed(d.size());
      });
      c.OnSent([this](lwip::Connection& c, size_t) {
        lwip::core_lock.AssertHeld();
        Pump(c);
      });
      accepted = true;
      Pump(c);
    });
    adapter->Attach();
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(80);
    to.sin_addr.s_addr = htonl(0xc6124007);  // 198.18.64.7: nobody's.
    if (::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) !=
        0) {
      *why = "connect through the adapter failed";
      return false;
    }
    return true;
  }

  ~Rig() {
    client.reset();
    adapter.reset();  // Detaches before the endpoint goes.
  }
};

void Run(benchmark::State& state, bool lwip_to_kernel) {
  const bool offload = state.range(0) != 0;
  const bool batch = state.range(1) != 0;
  Rig rig;
  std::string why;
  if (!rig.Start(offload, batch, lwip_to_kernel, &why)) {
    state.SkipWithError(why.c_str());
    return;
  }
  std::vector<uint8_t> buf(kChunk);
  const lwip::AdapterCounters before = rig.adapter->Counters();
  const fdbased::FdCounters ep_before = rig.ep->TotalCounters();
  uint64_t sent = 0;
  for (auto _ : state) {
    size_t done = 0;
    while (done < kChunk) {
      const ssize_t n =
          lwip_to_kernel
              ? ::recv(rig.client.get(), buf.data() + done, kChunk - done, 0)
              : ::send(rig.client.get(), buf.data() + done, kChunk - done,
                       MSG_NOSIGNAL);
      if (n <= 0) {
        state.SkipWithError("the transfer stopped");
        return;
      }
      done += static_cast<size_t>(n);
    }
    sent += kChunk;
    if (!lwip_to_kernel) {
      while (rig.consumed.load() < sent) {
      }
    }
  }
  const lwip::AdapterCounters after = rig.adapter->Counters();
  const fdbased::FdCounters ep_after = rig.ep->TotalCounters();
  state.SetBytesProcessed(static_cast<int64_t>(sent));
  const double writes = static_cast<double>(after.tx_writes - before.tx_writes);
  const double pkts = static_cast<double>(after.tx_packets - before.tx_packets);
  state.counters["seg_per_write"] = writes > 0 ? pkts / writes : 0;
  const double ep_pkts =
      static_cast<double>(ep_after.tx_packets - ep_before.tx_packets);
  state.counters["coalesced_share"] =
      ep_pkts > 0 ? static_cast<double>(ep_after.tx_coalesced -
                                        ep_before.tx_coalesced) /
                        ep_pkts
                  : 0;
  state.counters["rx_batches"] =
      static_cast<double>(after.rx_batches - before.rx_batches);
}

void BM_LwipToKernel(benchmark::State& state) { Run(state, true); }
void BM_KernelToLwip(benchmark::State& state) { Run(state, false); }

// Args: {offload, batch}.
BENCHMARK(BM_LwipToKernel)
    ->ArgNames({"offload", "batch"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->UseRealTime();
BENCHMARK(BM_KernelToLwip)
    ->ArgNames({"offload", "batch"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->UseRealTime();

}  // namespace
}  // namespace fdlink::bench
