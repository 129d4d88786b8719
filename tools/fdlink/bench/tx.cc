// The transmit case. The link: a TUN device in a private namespace
// (198.18.0.1/24, up; with a virtio-net header and the kernel's offloads
// for the GSO and coalescing writers), and a kernel UDP socket at
// 198.18.0.1 connected to 198.18.0.2:10000. The writer under test writes
// IPv4/UDP packets from 198.18.0.2:10000 to that socket into the TUN fd;
// the kernel routes them to the socket (splitting a super-packet into its
// datagrams on the way), and a recvmmsg loop counts what arrives. The
// socket's port is learnt from one datagram it sends out through the TUN.
#include "bench/tx.h"

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "alloc_counter/alloc_counter.h"
#include "bench/link.h"
#include "bench/receiver.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/device/tun.h"
#include "fdlink/header/builder.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/mac_address.h"
#include "fdlink/header/udp.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/offload/offload_bits.h"
#include "fdlink/sys/clock_sys.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kKernelAddress = 0xC6120001u;  // 198.18.0.1, the socket.
constexpr uint32_t kWriterAddress = 0xC6120002u;  // 198.18.0.2, fdlink.
constexpr uint16_t kWriterPort = 10000;
constexpr size_t kMaxUdpPayload = 65507;
// kRunPackets is how many wire packets one WritePackets call carries for
// the wire and coalescing writers (one flow: at most one super-packet's
// worth per call), and kSuperPerCall how many super-packets the GSO writer
// hands over per call.
constexpr size_t kSuperPerCall = 4;
constexpr std::chrono::milliseconds kDrain(30);

// TxArm is one writer. kUring is fdlink in the io_uring mode writing wire
// packets, a batch of them per WritePackets call (one io_uring_enter).
enum class TxArm { kWrite, kWire, kGso, kCoalesce, kUring };

// TxLink is one run's namespace, TUN device and counting socket.
struct TxLink {
  std::optional<device::NetNs> ns;
  std::optional<device::TunDevice> tun;
  UniqueFd sock;
  uint16_t kernel_port = 0;
  int tun_fd() const { return tun->fds()[0].get(); }
};

Result<void> SetUpInside(bool offload, TxLink* l) {
  device::TunOptions to;
  to.name = "fdbenchtx0";
  to.vnet_hdr = offload;
  Result<device::TunDevice> t = device::OpenTun(to);
  if (!t) return t.error();
  if (offload && (t->offloads() & offload::kTunFUso4) == 0) {
    return Error{Errc::kNotSupported, 0,
                 "bench: the kernel refused TUN_F_USO4|USO6 (Linux >= 6.2)"};
  }
  const int ifindex = t->ifindex();
  l->tun.emplace(std::move(*t));
  if (Result<void> r = device::SetUp(ifindex, true); !r) return r.error();
  Result<device::Cidr> cidr = device::Cidr::Parse("198.18.0.1/24");
  if (!cidr) return cidr.error();
  if (Result<void> r = device::AddAddress(ifindex, *cidr); !r) return r.error();
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(kWriterPort);
  peer.sin_addr.s_addr = htonl(kWriterAddress);
  Result<UniqueFd> s =
      sys::ConnectedUdp(reinterpret_cast<const sockaddr*>(&peer), sizeof(peer));
  if (!s) return s.error();
  l->sock = std::move(*s);
  // A deep receive queue, so the socket is not what drops.
  return sys::SetSocketBuffers(l->sock.get(), 64 << 20);
}

// LearnKernelPort sends one datagram from the socket and reads it off the
// TUN fd: its source port is the socket's.
Result<uint16_t> LearnKernelPort(const TxLink& l) {
  const uint8_t probe[1] = {0};
  if (Result<size_t> w = sys::Write(l.sock.get(), probe); !w) return w.error();
  const size_t vnet = l.tun->vnet_hdr() ? header::kVirtioNetHeaderSize : 0;
  std::vector<uint8_t> buf(65536 + vnet);
  for (int tries = 0; tries < 50; ++tries) {
    pollfd p{l.tun_fd(), POLLIN, 0};
    if (Result<size_t> n = sys::Poll(std::span(&p, 1), 100); !n)
      return n.error();
    Result<size_t> r = sys::Read(l.tun_fd(), buf);
    if (!r) continue;
    std::span<const uint8_t> ip = std::span(buf).first(*r);
    if (ip.size() < vnet + kBenchHeaders) continue;
    ip = ip.subspan(vnet);
    if ((ip[0] >> 4) != 4 || ip[9] != 17) continue;
    const size_t ihl = (ip[0] & 0x0f) * 4u;
    if (ip.size() < ihl + header::kUdpMinimumSize) continue;
    header::Udp udp(ip.subspan(ihl));
    if (udp.dst_port() == kWriterPort) return udp.src_port();
  }
  return Error{Errc::kTimedOut, 0,
               "bench: the counting socket's probe never left the TUN"};
}

Result<std::unique_ptr<TxLink>> OpenTxLink(bool offload) {
  auto l = std::make_unique<TxLink>();
  Result<device::NetNs> ns = device::NetNs::Create();
  if (!ns) return ns.error();
  l->ns.emplace(std::move(*ns));
  Result<void> inside = Ok();
  if (Result<void> r = l->ns->Run([&] { inside = SetUpInside(offload, &*l); });
      !r)
    return r.error();
  if (!inside) return inside.error();
  Result<uint16_t> port = LearnKernelPort(*l);
  if (!port) return port.error();
  l->kernel_port = *port;
  return l;
}

// UdpPacket builds one IPv4/UDP packet from the writer to the socket with
// `payload` bytes; partial leaves only the pseudo-header sum in the UDP
// checksum (a super-packet's NEEDS_CSUM form).
std::vector<uint8_t> UdpPacket(size_t payload, uint16_t kernel_port,
                               bool partial) {
  std::vector<uint8_t> b(kBenchHeaders + payload);
  for (size_t k = kBenchHeaders; k < b.size(); ++k)
    b[k] = static_cast<uint8_t>(k);
  const auto src = header::Ipv4Address::FromUint32(kWriterAddress);
  const auto dst = header::Ipv4Address::FromUint32(kKernelAddress);
  // Sizes are checked by the caller, so this cannot fail.
  (void)header::WriteIpv4Udp(b, src, dst, {kWriterPort, kernel_port});
  if (partial) {
    header::MutableUdp udp(std::span<uint8_t>(b).subspan(20));
    udp.SetChecksum(header::PseudoHeaderChecksum(
        17, src, dst, static_cast<uint16_t>(b.size() - 20)));
  }
  return b;
}

PacketBufferPtr ToPacket(const std::vector<uint8_t>& bytes,
                         const GSOOptions* gso) {
  PacketBufferPtr p = PacketBuffer::Create({.payload = bytes});
  p->set_network_protocol(kIPv4ProtocolNumber);
  if (gso != nullptr) p->set_gso_options(*gso);
  return p;
}

// TxPump calls `step` (one write; returns the wire packets it handed to the
// kernel) in a loop on its own thread. Threading: Start, Stop and
// CpuSeconds on one control thread; sent and units on any thread.
class TxPump {
 public:
  // Step returns {wire packets, packets handed over} of one call.
  using Step = std::function<std::pair<uint64_t, uint64_t>()>;
  explicit TxPump(Step step) : step_(std::move(step)) {}
  ~TxPump() { Stop(); }
  TxPump(const TxPump&) = delete;
  TxPump& operator=(const TxPump&) = delete;

  Result<void> Start(const std::vector<int>& cpus) {
    cpus_ = cpus;
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error& e) {
      return Error{Errc::kNoBufferSpace, e.code().value(),
                   "bench: cannot start the writer thread"};
    }
    Result<clockid_t> clock = sys::ThreadCpuClock(thread_.native_handle());
    if (!clock) {
      Stop();
      return clock.error();
    }
    clock_ = *clock;
    return Ok();
  }
  void Stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
  }
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t units() const { return units_.load(std::memory_order_relaxed); }
  double CpuSeconds() const {
    if (thread_.joinable()) return sys::ClockSeconds(clock_);
    return final_cpu_.load(std::memory_order_relaxed);
  }

 private:
  void Run() {
    // Unpinned is still a valid run, only a noisier one.
    if (!cpus_.empty()) (void)sys::SetThreadCpus(cpus_);
    uint64_t sent = 0, units = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      const auto [s, u] = step_();
      sent += s;
      units += u;
      sent_.store(sent, std::memory_order_relaxed);
      units_.store(units, std::memory_order_relaxed);
    }
    final_cpu_.store(sys::ClockSeconds(CLOCK_THREAD_CPUTIME_ID),
                     std::memory_order_relaxed);
  }

  Step step_;
  std::vector<int> cpus_;
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> units_{0};
  std::atomic<double> final_cpu_{0};
  clockid_t clock_{};
  std::thread thread_;
};

// Snapshot is the state sampled at each end of the window.
struct Snapshot {
  Clock::time_point at;
  uint64_t packets = 0, bytes = 0, payload = 0, units = 0, allocs = 0;
  double cpu = 0;
};

Snapshot Take(const Receiver& rx, const TxPump& pump) {
  Snapshot s;
  s.at = Clock::now();
  s.packets = rx.Packets();
  s.bytes = rx.Bytes();
  s.payload = rx.PayloadBytes();
  s.units = pump.units();
  s.allocs = bench::AllocCount();
  s.cpu = pump.CpuSeconds();
  return s;
}

// MeasureTxRun runs `arm` once on a fresh link into *out; *offloads gets
// the link's TUN_F_* bits. `uring_batch` is kUring's packets per call.
Result<RunSample> MeasureTxRun(TxArm arm, size_t uring_batch, size_t size,
                               const RunPlan& plan, uint32_t* offloads) {
  const bool offload = arm == TxArm::kGso || arm == TxArm::kCoalesce;
  Result<std::unique_ptr<TxLink>> link = OpenTxLink(offload);
  if (!link) return link.error();
  TxLink& l = **link;
  *offloads = l.tun->offloads();
  const size_t payload = size - kBenchHeaders;
  const size_t segments = std::min(kMaxUdpPayload / payload, size_t{64});

  // The packets each writer hands over, built once and written again and
  // again (WritePackets only borrows them).
  const std::vector<uint8_t> wire = UdpPacket(payload, l.kernel_port, false);
  const std::vector<uint8_t> super =
      UdpPacket(payload * segments, l.kernel_port, true);
  GSOOptions gso;
  gso.type = GSOType::kUDPL4;
  gso.needs_csum = true;
  gso.csum_offset = 6;
  gso.mss = static_cast<uint16_t>(payload);
  gso.l3_header_len = 20;
  gso.l4_header_len = 8;
  std::vector<PacketBufferPtr> batch;
  if (arm == TxArm::kGso) {
    for (size_t i = 0; i < kSuperPerCall; ++i)
      batch.push_back(ToPacket(super, &gso));
  } else if (arm != TxArm::kWrite) {
    const size_t per_call = arm == TxArm::kUring ? uring_batch : segments;
    for (size_t i = 0; i < per_call; ++i)
      batch.push_back(ToPacket(wire, nullptr));
  }
  std::unique_ptr<fdbased::Endpoint> ep;
  if (arm != TxArm::kWrite) {
    fdbased::Options o;
    o.fds = {l.tun_fd()};
    o.mtu = 1500;
    o.processors_per_channel = 1;
    o.offload.vnet_header = l.tun->vnet_hdr();
    o.offload.kernel_offloads = l.tun->offloads();
    if (arm == TxArm::kUring) {
      o.dispatch_mode = fdbased::PacketDispatchMode::kIoUring;
    }
    Result<std::unique_ptr<fdbased::Endpoint>> e =
        fdbased::Endpoint::Create(std::move(o));
    if (!e) return e.error();
    ep = std::move(*e);
  }
  TxPump::Step step;
  if (arm == TxArm::kWrite) {
    const int fd = l.tun_fd();
    step = [fd, &wire]() -> std::pair<uint64_t, uint64_t> {
      Result<size_t> w = sys::Write(fd, wire);
      return {w ? 1 : 0, w ? 1 : 0};
    };
  } else {
    // Units are syscalls: a super-packet's write, a wire packet's write,
    // or (io_uring) one call's submission, so seg/read is wire packets per
    // syscall.
    const uint64_t per = arm == TxArm::kGso ? segments : 1;
    const bool uring = arm == TxArm::kUring;
    step = [&ep, &batch, per, uring]() -> std::pair<uint64_t, uint64_t> {
      Result<size_t> n = ep->WritePackets(batch);
      const uint64_t k = n ? *n : 0;
      return {k * per, uring ? (k > 0 ? 1 : 0) : k};
    };
  }

  // The counting socket's loop runs where the flood would, the writer
  // under test where the receiver would.
  RxFormat format;
  format.udp_payloads = true;
  std::unique_ptr<Receiver> rx =
      MakeLimitReceiver(fdbased::PacketDispatchMode::kRecvMMsg, format);
  {
    std::vector<int> rx_cpus;
    if (plan.cpus.sender) rx_cpus.push_back(*plan.cpus.sender);
    ScopedThreadCpus place(rx_cpus);
    if (Result<void> r = rx->Start(l.sock.get()); !r) return r.error();
  }
  TxPump pump(std::move(step));
  if (Result<void> r = pump.Start(plan.cpus.receiver); !r) {
    rx->Stop();
    return r.error();
  }
  std::this_thread::sleep_for(
      std::chrono::duration<double>(plan.warmup_seconds));
  const Snapshot a = Take(*rx, pump);
  std::this_thread::sleep_for(std::chrono::duration<double>(plan.seconds));
  const Snapshot b = Take(*rx, pump);
  pump.Stop();
  std::this_thread::sleep_for(kDrain);
  rx->Stop();

  RunSample s;
  if (ep) {
    const fdbased::FdCounters t = ep->TotalCounters();
    s.tx_packets = t.tx_packets;
    s.tx_coalesced = t.tx_coalesced;
  }
  s.seconds = std::chrono::duration<double>(b.at - a.at).count();
  s.packets = b.packets - a.packets;
  s.bytes = b.bytes - a.bytes;
  s.payload = b.payload - a.payload;
  s.reads = b.units - a.units;
  s.cpu_seconds = b.cpu - a.cpu;
  s.allocs = b.allocs - a.allocs;
  s.sent = pump.sent();
  s.received = rx->Packets();
  return s;
}

struct TxRow {
  TxArm arm;
  RowInfo row;
  size_t uring_batch = 0;  // kUring: packets per WritePackets call.
};

}  // namespace

bool RunTxCase(const BenchCase& c, const BenchOptions& opts,
               const RunPlan& plan, BenchReport& report) {
  auto fail = [&](const Error& e) {
    report.Note("tun-tx/" + std::to_string(c.size) + ": " + e.ToString());
    return false;
  };
  if (c.size <= kBenchHeaders)
    return fail(Error{Errc::kInvalidArgument, 0, "packet size below 29"});
  std::vector<TxRow> rows = {
      {TxArm::kWrite, RowInfo{"write", 1, 0, false, DeliveryKind::kWire}},
      {TxArm::kWire, RowInfo{"fdlink", 1, 0, false, DeliveryKind::kWire}},
      {TxArm::kGso, RowInfo{"fdlink", 1, 0, true, DeliveryKind::kGso}},
      {TxArm::kCoalesce,
       RowInfo{"fdlink", 1, 0, true, DeliveryKind::kCoalesce}},
      {TxArm::kUring, RowInfo{"uring1", 1, 0, false, DeliveryKind::kWire}, 1},
      {TxArm::kUring, RowInfo{"uring8", 1, 0, false, DeliveryKind::kWire}, 8},
      {TxArm::kUring, RowInfo{"uring32", 1, 0, false, DeliveryKind::kWire}, 32},
  };
  const size_t n = rows.size();
  std::vector<RunSample> sums(n);
  std::vector<std::vector<double>> to_write(n);
  for (int round = 0; round < opts.rounds; ++round) {
    std::vector<RunSample> got(n);
    for (size_t k = 0; k < n; ++k) {
      const size_t i = round % 2 == 0 ? k : n - 1 - k;
      Result<RunSample> s = MeasureTxRun(rows[i].arm, rows[i].uring_batch,
                                         c.size, plan, &rows[i].row.offloads);
      if (!s) return fail(s.error());
      got[i] = *s;
    }
    for (size_t i = 0; i < n; ++i) {
      sums[i].Add(got[i]);
      if (i > 0 && got[0].pps() > 0)
        to_write[i].push_back(got[i].pps() / got[0].pps());
    }
  }
  bool ok = true;
  for (const RunSample& s : sums) ok = ok && s.packets > 0;
  if (!ok) report.Note("a run delivered no packets");
  for (size_t i = 0; i < n; ++i) {
    RowRatios r;
    if (!to_write[i].empty()) {
      std::vector<double> v = to_write[i];
      std::sort(v.begin(), v.end());
      const size_t m = v.size() / 2;
      r.to_per_packet = v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
    report.Throughput(c, rows[i].row, sums[i], r, nullptr);
  }
  return ok;
}

}  // namespace fdlink::tool
