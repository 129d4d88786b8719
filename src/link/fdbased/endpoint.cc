#include "fdlink/link/fdbased/endpoint.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "fdlink/header/ethernet.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/attachment.h"
#include "link/fdbased/fd_probe.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/link_config.h"
#include "link/fdbased/tx_switches.h"
#include "link/fdbased/tx_writer.h"
#include "link/fdbased/uring_probe.h"

namespace fdlink::fdbased {
namespace {

// SetUpRings gives every fd its receive ring, sized for the link's largest
// frame. On failure the rings already made are dropped (and removed).
Result<void> SetUpRings(const LinkConfig& link, uint32_t mtu,
                        std::vector<std::unique_ptr<FdState>>& fds) {
  PacketRingShape shape;
  shape.link_header = link.link_header_size;
  shape.vnet_header = link.vnet_header_size;
  // With virtio-net headers the kernel may hand over 64 KiB super-packets.
  const bool jumbo = link.vnet_header_size > 0;
  const size_t packet = jumbo ? 65535 : mtu;
  shape.frames = link.rx.ring_frames != 0 ? link.rx.ring_frames
                 : jumbo                  ? kPacketMmapJumboFrames
                                          : kPacketMmapFrames;
  shape.max_frame = shape.vnet_header + shape.link_header + packet;
  for (auto& f : fds) {
    Result<RingRef> ring = PacketRing::Create(f->fd, shape);
    if (!ring) {
      for (auto& g : fds) g->rx_ring = RingRef();
      return Error{ring.error().code, ring.error().sys_errno,
                   "fdbased: cannot set up the packet_mmap receive ring "
                   "(PACKET_RX_RING) on an AF_PACKET fd"};
    }
    f->rx_ring = std::move(*ring);
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Endpoint>> Endpoint::Create(Options opts) {
  if (Result<void> v = ValidateOptions(opts); !v) return v.error();
  std::vector<std::unique_ptr<FdState>> fds;
  for (size_t i = 0; i < opts.fds.size(); ++i) {
    Result<std::unique_ptr<FdState>> probed = ProbeFd(
        opts.fds[i], "fdbased: Options.fds holds an fd that is not open");
    if (!probed) return probed.error();
    std::unique_ptr<FdState> st = std::move(*probed);
    if (st->is_socket) {
      if (!opts.is_packet_socket.empty()) {
        st->is_packet_socket = opts.is_packet_socket[i];
      } else {
        Result<bool> pkt = sys::IsPacketSocket(st->fd);
        st->is_packet_socket = pkt && *pkt;
      }
    }
    fds.push_back(std::move(st));
  }
  const bool all_sockets =
      std::all_of(fds.begin(), fds.end(), [](auto& f) { return f->is_socket; });
  const bool all_packet = std::all_of(
      fds.begin(), fds.end(), [](auto& f) { return f->is_packet_socket; });
  LinkConfig resolved = ResolveLinkConfig(
      opts, all_sockets, sys::HardwareConcurrency(), all_packet);
  if (resolved.rx.mode == PacketDispatchMode::kIoUring)
    SetUpUringMode(resolved, opts.mtu, fds);
  auto link = std::make_unique<const LinkConfig>(resolved);
  if (link->rx.mode == PacketDispatchMode::kPacketMmap) {
    if (Result<void> r = SetUpRings(*link, opts.mtu, fds); !r) return r.error();
  }
  return std::unique_ptr<Endpoint>(
      new Endpoint(std::move(opts), std::move(link), std::move(fds)));
}

Endpoint::Endpoint(Options opts, std::unique_ptr<const LinkConfig> link,
                   std::vector<std::unique_ptr<FdState>> fds)
    : closed_func_(std::move(opts.closed_func)),
      link_(std::move(link)),
      fds_(std::move(fds)),
      tx_switches_(std::make_unique<TxSwitches>()),
      mtu_(opts.mtu),
      addr_(opts.address.ToU64()) {
  for (auto& f : fds_) fd_ptrs_.push_back(f.get());
}

uint32_t Endpoint::Capabilities() const { return link_->capabilities; }
uint16_t Endpoint::MaxHeaderLength() const { return link_->link_header_size; }
ArpHardware Endpoint::ARPHardwareType() const {
  return link_->link_header_size > 0 ? ArpHardware::kEther : ArpHardware::kNone;
}
uint32_t Endpoint::GSOMaxSize() const { return link_->gso_max_size; }
GSOKind Endpoint::SupportedGSO() const { return link_->supported_gso; }
OffloadsInEffect Endpoint::Offloads() const { return link_->offload; }
PacketDispatchMode Endpoint::DispatchModeInUse() const {
  return link_->rx.mode;
}
std::string_view Endpoint::DispatchModeFallback() const {
  return link_->mode_fallback;
}
uint32_t Endpoint::ProcessorsPerChannel() const { return link_->rx.processors; }

Endpoint::~Endpoint() {
  // Destroying the endpoint from one of its own threads would have to join
  // that very thread: a contract violation, reported loudly.
  ThreadGroup* self = ThreadGroup::Current();
  if (self != nullptr) {
    for (const auto& a : Snapshot()) {
      if (&a->Group() == self) {
        std::fprintf(stderr,
                     "fdlink: fdbased::Endpoint destroyed from its own "
                     "callback thread; destroy it after Attach(nullptr) "
                     "returns, on another thread\n");
        std::abort();
      }
    }
  }
  Close();  // model: dtor.close
}

void Endpoint::Attach(NetworkDispatcher* dispatcher) {
  // After Close, Attach(d) is the documented no-op; any other failure is
  // also counted (AttachFailures) and returned by TryAttach.
  if (Result<void> r = TryAttach(dispatcher);
      !r && r.error().code != Errc::kClosed) {
    std::fprintf(stderr, "fdlink: Attach failed: %s\n",
                 r.error().ToString().c_str());
  }
}

Result<void> Endpoint::TryAttach(NetworkDispatcher* dispatcher) {
  if (dispatcher == nullptr) {
    Detach();
    return Ok();
  }
  Reap();  // model: attach.reap
  Error failure;
  std::vector<std::shared_ptr<Attachment>> waiting;
  {
    MutexLock l(&mu_);  // model: attach.lock
    if (close_.Closed()) {
      return Error{Errc::kClosed, 0, "fdbased: Attach after Close"};
    }
    if (current_ != nullptr) return Ok();
    auto a = std::make_shared<Attachment>(MakeConfig(dispatcher));
    // Start never waits. The threads it started may already be delivering
    // and calling back into the endpoint; they block on mu_ until this
    // scope ends.
    Result<void> r = a->Start();  // model: attach.start
    if (r) {
      current_ = std::move(a);
      return Ok();
    }
    failure = r.error();
    attach_failures_.fetch_add(1, std::memory_order_relaxed);
    // A half-started attachment leaves exactly like a detached one.
    waiting = RetireLocked(std::move(a));  // model: attach.retire
  }                                        // model: attach.unlock
  WaitForThreads(waiting);                 // model: attach.wait
  Reap();                                  // model: attach.fail_reap
  return failure;
}

AttachmentConfig Endpoint::MakeConfig(NetworkDispatcher* dispatcher) const {
  AttachmentConfig cfg;
  cfg.dispatcher = dispatcher;
  cfg.link = link_.get();
  cfg.fds = fd_ptrs_;
  cfg.address = &addr_;
  cfg.closed_func = &closed_func_;
  return cfg;
}

std::vector<std::shared_ptr<Attachment>> Endpoint::RetireLocked(
    std::shared_ptr<Attachment> a) {
  if (a != nullptr) {
    a->RequestStop();
    stopping_.push_back(std::move(a));
  }
  // Detaches that are already under way are waited for too, so that every
  // concurrent Attach(nullptr) returns only after quiescence.
  return stopping_;
}

void Endpoint::WaitForThreads(
    const std::vector<std::shared_ptr<Attachment>>& attachments, bool join) {
  std::vector<ThreadGroup*> groups;
  for (const auto& a : attachments) groups.push_back(&a->Group());
  ThreadGroup::WaitIdle(groups);
  if (join) {
    // Every thread has left its group; joining only waits for the OS
    // thread to finish returning.
    for (const auto& a : attachments) a->Join();
  }
}

void Endpoint::Detach() {
  std::vector<std::shared_ptr<Attachment>> waiting;
  {
    MutexLock l(&mu_);                            // model: detach.lock
    waiting = RetireLocked(std::move(current_));  // model: detach.retire
  }                                               // model: detach.unlock
  // No lock is held here: the threads being waited for may take mu_.
  WaitForThreads(waiting);  // model: detach.wait
  // Joining the threads (waiting for the OS to finish them off) is left to
  // the next Attach, Wait, Close or the destructor, so a detach returns as
  // soon as the dispatcher is safe.
}

void Endpoint::Reap() {
  std::vector<std::shared_ptr<Attachment>> done;
  {
    MutexLock l(&mu_);  // model: reap.lock
    // One look at each group: an attachment whose last thread leaves after
    // it is simply reaped next time.
    std::vector<std::shared_ptr<Attachment>> still_running;
    for (auto& a : stopping_) {
      (a->Group().Live() == 0 ? done : still_running).push_back(std::move(a));
    }
    stopping_ = std::move(still_running);
  }                                     // model: reap.unlock
  WaitForThreads(done, /*join=*/true);  // model: reap.join
}

std::vector<std::shared_ptr<Attachment>> Endpoint::Snapshot() {
  MutexLock l(&mu_);
  std::vector<std::shared_ptr<Attachment>> all = stopping_;
  if (current_ != nullptr) all.push_back(current_);
  return all;
}

bool Endpoint::IsAttached() const {
  MutexLock l(&mu_);
  return current_ != nullptr;
}

void Endpoint::Wait() {
  WaitForThreads(Snapshot());  // model: wait.wait
  Reap();                      // model: wait.reap
}

void Endpoint::Close() {
  tx_closed_.store(true, std::memory_order_release);
  Detach();  // model: close.detach
  Reap();    // model: close.reap
  std::function<void()> action;
  {
    MutexLock l(&mu_);  // model: close.lock
    action = close_.MarkClosed();
  }
  if (action) action();
}

void Endpoint::SetOnCloseAction(std::function<void()> action) {
  MutexLock l(&mu_);
  close_.SetAction(std::move(action));
}

Result<void> Endpoint::AddHeader(PacketBuffer& pkt) const {
  if (link_->link_header_size == 0) return Ok();
  std::span<uint8_t> h = pkt.PushLinkHeader(header::kEthernetHeaderSize);
  if (h.empty()) {
    return Error{Errc::kInvalidArgument, 0,
                 "fdbased: AddHeader: the packet has less headroom than "
                 "MaxHeaderLength() (reserve it when creating the packet)"};
  }
  header::MutableEthernet eth(h);
  const EgressRoute& r = pkt.egress_route();
  // The route's local address wins, so bridged sources are preserved.
  const MacAddress src =
      r.local_link_address.IsZero() ? LinkAddress() : r.local_link_address;
  eth.SetDst(r.remote_link_address.bytes());
  eth.SetSrc(src.bytes());
  eth.SetEtherType(pkt.network_protocol());
  return Ok();
}

bool Endpoint::ParseHeader(PacketBuffer& pkt) const {
  if (link_->link_header_size == 0) return true;
  std::span<uint8_t> h = pkt.ConsumeLinkHeader(header::kEthernetHeaderSize);
  if (h.empty()) return false;
  pkt.set_network_protocol(
      header::Ethernet(std::span<const uint8_t>(h)).ether_type());
  return true;
}

Result<size_t> Endpoint::WritePackets(std::span<const PacketBufferPtr> pkts) {
  const TxLive live{.max_packet_size = size_t{MTU()} + link_->link_header_size,
                    .closed = &tx_closed_,
                    .switches = tx_switches_.get()};
  return WritePacketsTo(*link_, live, fd_ptrs_, pkts);
}

FdCounters Endpoint::Counters(size_t fd_index) const {
  return fds_.at(fd_index)->Snapshot();
}

FdCounters Endpoint::TotalCounters() const {
  FdCounters t;
  for (auto& f : fds_) {
    FdCounters c = f->Snapshot();
    t.rx_packets += c.rx_packets;
    t.rx_bytes += c.rx_bytes;
    t.tx_packets += c.tx_packets;
    t.tx_bytes += c.tx_bytes;
    t.rx_errors += c.rx_errors;
    t.rx_gro_super += c.rx_gro_super;
    t.rx_gro_merged += c.rx_gro_merged;
    t.tx_errors += c.tx_errors;
    t.tx_would_block += c.tx_would_block;
    t.tx_oversized += c.tx_oversized;
    t.tx_invalid += c.tx_invalid;
    t.tx_coalesced += c.tx_coalesced;
    t.tx_split += c.tx_split;
    t.tx_split_dropped += c.tx_split_dropped;
    t.tx_gso_fallbacks += c.tx_gso_fallbacks;
    t.tx_coalesce_fallbacks += c.tx_coalesce_fallbacks;
    t.rx_kernel_drops += c.rx_kernel_drops;
    t.rx_ring_dry += c.rx_ring_dry;
    for (size_t i = 0; i < t.drops.size(); ++i) t.drops[i] += c.drops[i];
  }
  return t;
}

}  // namespace fdlink::fdbased
