#include "tun2socks/relay.h"

#include <algorithm>

#include "fdlink/base/thread_start.h"
#include "fdlink/sys/epoll_sys.h"
#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool::tun2socks {
namespace {

using Clock = std::chrono::steady_clock;
using lwip::core_lock;

// kWakeTag is the wake-up eventfd's tag (flow tags start at 1).
constexpr uint64_t kWakeTag = 0;
// kConsumeAhead is how many queued client bytes (not yet taken by the
// socket) a connection may have returned to lwIP's window already. It
// lets the ACK that reopens the client's window go out before the bytes
// are written upstream (the two overlap), with lwIP's receive window
// still the backpressure beyond it.
constexpr size_t kConsumeAhead = 128 * 1024;
// kMaxBuffered bounds a connection's queued client bytes. At most
// kConsumeAhead consumed plus lwIP's receive window (at most
// kMaxReceiveWindow) unconsumed are queued, so this only trips if that
// stops being true.
constexpr size_t kMaxBuffered = kConsumeAhead + lwip::kMaxReceiveWindow;
// kSweepInterval is how often timeouts are checked.
constexpr std::chrono::milliseconds kSweepInterval(250);
// kReadsPerStep bounds the socket reads of one step (fairness).
constexpr int kReadsPerStep = 16;

bool WouldBlock(const Error& e) { return e.code == Errc::kWouldBlock; }

}  // namespace

// Flow is one client connection and its upstream socket.
struct Relay::Flow {
  enum class Phase {
    kQueued,      // Waiting for the relay thread to dial.
    kConnecting,  // Upstream connect in progress.
    kHandshake,   // Upstream handshake (SOCKS5) in progress.
    kAdmitting,   // Upstream ready; the client's SYN admitted, no accept yet.
    kRelaying,    // Both sides up: copying.
  };
  uint64_t tag = 0;
  lwip::FlowId id = 0;  // The adapter's id (0: accepted before the dial).
  lwip::FlowAddr src, dst;
  Phase phase = Phase::kQueued;
  UniqueFd fd;
  std::unique_ptr<tun2socks::Handshake> handshake;
  tun2socks::Handshake::Want want = tun2socks::Handshake::Want::kWrite;
  lwip::Connection* conn = nullptr;  // Set once accepted.
  ByteQueue up;                      // Client bytes the socket has not taken.
  size_t owed = 0;  // The newest `owed` bytes of `up` are not Consumed yet.
  ByteQueue down;   // Upstream bytes lwIP has not taken.
  bool client_fin = false;  // The client shut its side.
  bool up_shut = false;     // We shut the socket's write side.
  bool up_eof = false;      // The socket reached end of file.
  bool down_shut = false;   // We shut the client connection's write side.
  bool unsent = false;      // Listed in unsent_ (bytes queued this batch).
  uint32_t interest = 0;
  bool registered = false;
  Clock::time_point deadline{};  // Dial or admit deadline.
  Clock::time_point last{};      // Last byte either way.
};

Result<std::unique_ptr<Relay>> Relay::Create(lwip::NetifAdapter* adapter,
                                             Upstream* upstream,
                                             const RelayConfig& config) {
  Result<UniqueFd> ep = sys::EpollCreate();
  if (!ep) return ep.error();
  Result<UniqueFd> wake = sys::EventFd();
  if (!wake) return wake.error();
  if (Result<void> r =
          sys::EpollWatch(ep->get(), wake->get(), sys::kEpollIn, kWakeTag);
      !r)
    return r.error();
  return std::unique_ptr<Relay>(
      new Relay(adapter, upstream, config, std::move(*ep), std::move(*wake)));
}

Relay::Relay(lwip::NetifAdapter* adapter, Upstream* upstream,
             const RelayConfig& config, UniqueFd epoll, UniqueFd wake)
    : adapter_(adapter),
      upstream_(upstream),
      config_(config),
      epoll_(std::move(epoll)),
      wake_(std::move(wake)) {}

Relay::~Relay() { Stop(); }

void Relay::Install(UdpRelay* udp) {
  udp_ = udp;
  adapter_->OnSyn([this](const lwip::FlowAddr& src, const lwip::FlowAddr& dst,
                         lwip::FlowId id) {
    core_lock.AssertHeld();
    OnSyn(src, dst, id);
  });
  adapter_->OnAccept([this](lwip::Connection& c) {
    core_lock.AssertHeld();
    OnAccept(c);
  });
  adapter_->OnBatchEnd([this] {
    core_lock.AssertHeld();
    OnBatchEnd();
  });
  if (udp != nullptr) {
    adapter_->OnUdp([udp](const lwip::FlowAddr& src, const lwip::FlowAddr& dst,
                          std::span<const uint8_t> payload) {
      core_lock.AssertHeld();
      udp->OnDatagram(src, dst, payload);
    });
  }
}

Result<void> Relay::Start() {
  Result<std::thread> t = StartThread([this] { Loop(); });
  if (!t) return t.error();
  thread_ = std::move(*t);
  return Ok();
}

void Relay::Stop() {
  if (thread_.joinable()) {
    stop_.store(true);
    Wake();
    thread_.join();
  }
  std::vector<Decision> refuse;
  {
    lwip::CoreLockGuard g;
    stopping_ = true;
    for (auto& [tag, f] : flows_) {
      if (f->conn != nullptr) {
        f->conn->Abort();
        f->conn = nullptr;
      } else if (f->id != 0) {
        refuse.push_back({f->id, 0, false});
      }
      if (f->fd.valid()) (void)sys::SetResetOnClose(f->fd.get());
    }
    for (const Decision& d : decisions_) {
      if (!d.admit) refuse.push_back(d);
    }
    flows_.clear();
    by_id_.clear();
    dial_queue_.clear();
    decisions_.clear();
    unsent_.clear();
    if (udp_ != nullptr) udp_->CloseAll();
  }
  Decide(&refuse);
  // The adapter's batches (its tick runs until it is detached) must not
  // call into a relay that is stopped or, after this, destroyed.
  adapter_->OnBatchEnd(nullptr);
}

TcpCounters Relay::Counters() const {
  lwip::CoreLockGuard g;
  TcpCounters c = counters_;
  c.open = flows_.size();
  return c;
}

UdpCounters Relay::UdpCountersNow() const {
  lwip::CoreLockGuard g;
  return udp_ != nullptr ? udp_->Counters() : UdpCounters{};
}

void Relay::Wake() { (void)sys::EventFdSignal(wake_.get()); }

void Relay::Loop() {
  std::array<sys::EpollEvent, 64> evs;
  std::vector<Decision> decisions;
  std::vector<uint64_t> udp_ready;
  Clock::time_point next_sweep = Clock::now() + kSweepInterval;
  while (!stop_.load()) {
    Result<size_t> n = sys::EpollWait(epoll_.get(), evs, 100);
    if (!n) continue;  // EINTR is retried inside; nothing else is expected.
    udp_ready.clear();
    {
      lwip::CoreLockGuard g;
      // One output batch per round of events: lwIP's segments for a burst
      // of Connection::Write calls go out in one WritePackets, where the
      // endpoint can coalesce a flow's segments (GSO on an offloaded TUN).
      lwip::NetifAdapter::OutputBatch batch(*adapter_);
      for (size_t i = 0; i < *n; ++i) {
        const sys::EpollEvent& ev = evs[i];
        if (ev.tag == kWakeTag) {
          uint8_t counter[8];
          (void)sys::Read(wake_.get(), counter);
        } else if ((ev.tag & UdpRelay::kUdpTagBit) != 0) {
          udp_ready.push_back(ev.tag);
        } else if (auto it = flows_.find(ev.tag); it != flows_.end()) {
          HandleEvent(*it->second, ev.readable, ev.writable,
                      ev.error || ev.hangup);
        }
      }
      RunDials();
      const Clock::time_point now = Clock::now();
      if (now >= next_sweep) {
        Sweep(now);
        if (udp_ != nullptr) udp_->Sweep(now);
        next_sweep = now + kSweepInterval;
      }
      decisions.swap(decisions_);
    }
    Decide(&decisions);
    for (uint64_t tag : udp_ready) udp_->OnReadable(tag);
  }
}

void Relay::Decide(std::vector<Decision>* decisions) {
  for (const Decision& d : *decisions) {
    if (!d.admit) {
      (void)adapter_->RefuseFlow(d.id);
      continue;
    }
    if (adapter_->AdmitFlow(d.id)) continue;
    // The adapter forgot the SYN (its timeout): drop the dialled flow.
    lwip::CoreLockGuard g;
    auto it = flows_.find(d.tag);
    if (it != flows_.end() && it->second->phase == Flow::Phase::kAdmitting) {
      ++counters_.abandoned;
      Erase(*it->second);
    }
  }
  decisions->clear();
}

Relay::Flow* Relay::NewFlow(const lwip::FlowAddr& src,
                            const lwip::FlowAddr& dst, lwip::FlowId id) {
  ++counters_.total;
  if (flows_.size() >= config_.max_connections) {
    counters_.CountFailure(Errc::kNoBufferSpace, false);
    return nullptr;
  }
  auto f = std::make_unique<Flow>();
  f->tag = next_tag_++;
  f->id = id;
  f->src = src;
  f->dst = dst;
  f->last = Clock::now();
  f->deadline = f->last + config_.dial_timeout;
  Flow* raw = f.get();
  flows_.emplace(raw->tag, std::move(f));
  if (id != 0) by_id_[id] = raw->tag;
  dial_queue_.push_back(raw->tag);
  return raw;
}

void Relay::DialQueued() {
  // Dial on the calling (endpoint) thread: the connect is non-blocking,
  // and its completion reaches the relay thread through epoll, so no
  // wake-up hop is spent per connection. What needs the relay thread (a
  // refusal decided under the lock) wakes it.
  RunDials();
  if (!decisions_.empty()) Wake();
}

void Relay::OnSyn(const lwip::FlowAddr& src, const lwip::FlowAddr& dst,
                  lwip::FlowId id) {
  if (stopping_) return;  // Detach follows; the SYN dies with it.
  if (NewFlow(src, dst, id) == nullptr) {
    decisions_.push_back({id, 0, false});
    Wake();
    return;
  }
  DialQueued();
}

void Relay::OnAccept(lwip::Connection& c) {
  if (stopping_) {
    c.Abort();
    return;
  }
  if (c.flow_id() == 0) {
    // No connect first (the adapter admitted the SYN itself): dial now,
    // holding the client's bytes until the upstream is up.
    Flow* f = NewFlow(c.original_src(), c.original_dst(), 0);
    if (f == nullptr) {
      c.Abort();
      return;
    }
    Hook(*f, c);
    DialQueued();
    return;
  }
  auto id = by_id_.find(c.flow_id());
  auto it = id == by_id_.end() ? flows_.end() : flows_.find(id->second);
  if (it == flows_.end() || it->second->phase != Flow::Phase::kAdmitting) {
    c.Abort();
    return;
  }
  by_id_.erase(id);
  Flow& f = *it->second;
  Hook(f, c);
  (void)StartRelaying(f);
}

void Relay::Hook(Flow& f, lwip::Connection& c) {
  f.conn = &c;
  const uint64_t tag = f.tag;
  c.OnRecv([this, tag](lwip::Connection&, std::span<const uint8_t> data) {
    core_lock.AssertHeld();
    OnRecv(tag, data);
  });
  c.OnSent([this, tag](lwip::Connection&, size_t) {
    core_lock.AssertHeld();
    OnSent(tag);
  });
  c.OnError([this, tag](lwip::Connection&) {
    core_lock.AssertHeld();
    OnError(tag);
  });
}

void Relay::OnRecv(uint64_t tag, std::span<const uint8_t> data) {
  auto it = flows_.find(tag);
  if (it == flows_.end()) return;
  Flow& f = *it->second;
  f.last = Clock::now();
  if (data.empty()) {
    f.client_fin = true;
    if (f.phase == Flow::Phase::kRelaying) (void)PumpUp(f);
    return;
  }
  if (f.up.size() + data.size() > kMaxBuffered) {
    ++counters_.overflow;
    ResetBoth(f);
    return;
  }
  f.up.Append(data);
  f.owed += data.size();
  if (f.phase != Flow::Phase::kRelaying) return;  // Sent once relaying.
  if (!adapter_->InOutputBatch()) {
    (void)PumpUp(f);
    return;
  }
  // A receive batch hands over a super-packet's worth of segments one
  // callback each: return them to the window now (the batch's ACK then
  // reopens it), and write them upstream once, after the batch's output
  // (OnBatchEnd): one syscall per flow per batch, not per segment.
  ConsumeAhead(f);
  if (!f.unsent) {
    f.unsent = true;
    unsent_.push_back(tag);
  }
}

void Relay::ConsumeAhead(Flow& f) {
  const size_t consumed_queued = f.up.size() - f.owed;
  if (f.owed == 0 || consumed_queued >= kConsumeAhead) return;
  const size_t n = std::min(f.owed, kConsumeAhead - consumed_queued);
  f.conn->Consumed(n);
  f.owed -= n;
}

void Relay::OnBatchEnd() {
  if (unsent_.empty()) return;
  spare_.swap(unsent_);
  for (uint64_t tag : spare_) {
    auto it = flows_.find(tag);
    if (it == flows_.end()) continue;
    Flow& f = *it->second;
    f.unsent = false;
    if (f.phase == Flow::Phase::kRelaying) (void)PumpUp(f);
  }
  spare_.clear();
}

void Relay::OnSent(uint64_t tag) {
  auto it = flows_.find(tag);
  if (it == flows_.end()) return;
  if (it->second->phase == Flow::Phase::kRelaying) (void)PumpDown(*it->second);
}

void Relay::OnError(uint64_t tag) {
  auto it = flows_.find(tag);
  if (it == flows_.end()) return;
  Flow& f = *it->second;
  f.conn = nullptr;  // lwIP dropped it: it is gone.
  ++counters_.reset_by_client;
  if (f.fd.valid()) (void)sys::SetResetOnClose(f.fd.get());
  Erase(f);
}

void Relay::RunDials() {
  for (size_t i = 0; i < dial_queue_.size(); ++i) {
    auto it = flows_.find(dial_queue_[i]);
    if (it == flows_.end() || it->second->phase != Flow::Phase::kQueued)
      continue;
    Flow& f = *it->second;
    Result<Upstream::Dialing> d = upstream_->Dial(f.dst);
    if (!d) {
      FailDial(f, d.error().code, false);
      continue;
    }
    f.fd = std::move(d->fd);
    f.handshake = std::move(d->handshake);
    if (d->connected) {
      (void)Connected(f);
    } else {
      f.phase = Flow::Phase::kConnecting;
      UpdateInterest(f);
    }
  }
  dial_queue_.clear();
}

void Relay::HandleEvent(Flow& f, bool readable, bool writable, bool error) {
  switch (f.phase) {
    case Flow::Phase::kConnecting: {
      Result<void> c = sys::ConnectResult(f.fd.get());
      if (!c) {
        FailDial(f, c.error().code, false);
        return;
      }
      (void)Connected(f);
      return;
    }
    case Flow::Phase::kHandshake:
      (void)StepHandshake(f);
      return;
    case Flow::Phase::kRelaying:
      if (error && !readable) {
        // An error with nothing to read (a reset while only writing).
        if (Result<void> e = sys::ConnectResult(f.fd.get()); !e) {
          ++counters_.reset_by_upstream;
          ResetBoth(f);
          return;
        }
      }
      if ((writable || error) && !PumpUp(f)) return;
      if (readable) (void)PumpDown(f);
      return;
    case Flow::Phase::kQueued:
    case Flow::Phase::kAdmitting:
      UpdateInterest(f);  // Not watched in these phases.
      return;
  }
}

bool Relay::Connected(Flow& f) {
  if (f.handshake != nullptr) {
    f.phase = Flow::Phase::kHandshake;
    return StepHandshake(f);
  }
  return Ready(f);
}

bool Relay::StepHandshake(Flow& f) {
  Result<tun2socks::Handshake::Want> w = f.handshake->Step(f.fd.get());
  if (!w) {
    FailDial(f, w.error().code, true);
    return false;
  }
  if (*w != tun2socks::Handshake::Want::kDone) {
    f.want = *w;
    UpdateInterest(f);
    return true;
  }
  f.down.Append(f.handshake->Leftover());
  f.handshake.reset();
  return Ready(f);
}

bool Relay::Ready(Flow& f) {
  if (f.conn != nullptr) return StartRelaying(f);
  f.phase = Flow::Phase::kAdmitting;
  f.deadline = Clock::now() + config_.dial_timeout;
  UpdateInterest(f);
  decisions_.push_back({f.id, f.tag, true});
  return true;
}

bool Relay::StartRelaying(Flow& f) {
  f.phase = Flow::Phase::kRelaying;
  f.last = Clock::now();
  if (!PumpUp(f)) return false;
  return PumpDown(f);
}

bool Relay::PumpUp(Flow& f) {
  while (!f.up.empty()) {
    Result<size_t> n = sys::Send(f.fd.get(), f.up.Front());
    if (!n) {
      if (WouldBlock(n.error())) break;
      ++counters_.reset_by_upstream;
      ResetBoth(f);
      return false;
    }
    f.up.Pop(*n);
    counters_.bytes_up += *n;
    if (f.owed > f.up.size()) {  // Bytes never consumed left the queue.
      f.conn->Consumed(f.owed - f.up.size());
      f.owed = f.up.size();
    }
  }
  ConsumeAhead(f);
  if (f.up.empty() && f.client_fin && !f.up_shut) {
    (void)sys::ShutdownWrite(f.fd.get());
    f.up_shut = true;
  }
  UpdateInterest(f);
  return MaybeFinish(f);
}

bool Relay::PumpDown(Flow& f) {
  while (!f.down.empty()) {
    Result<size_t> w = f.conn->Write(f.down.Front());
    if (!w) {
      if (w.error().code == Errc::kNoBufferSpace) break;  // Retried later.
      ++counters_.reset_by_client;
      ResetBoth(f);
      return false;
    }
    if (*w == 0) break;
    f.down.Pop(*w);
  }
  for (int i = 0; i < kReadsPerStep && f.down.empty() && !f.up_eof; ++i) {
    const size_t space = std::min(f.conn->SendSpace(), scratch_.size());
    if (space == 0) break;
    Result<size_t> n = sys::Read(f.fd.get(), std::span(scratch_).first(space));
    if (!n) {
      if (WouldBlock(n.error())) break;
      ++counters_.reset_by_upstream;
      ResetBoth(f);
      return false;
    }
    if (*n == 0) {
      f.up_eof = true;
      break;
    }
    counters_.bytes_down += *n;
    f.last = Clock::now();
    const std::span<const uint8_t> got(scratch_.data(), *n);
    Result<size_t> w = f.conn->Write(got);
    if (!w && w.error().code != Errc::kNoBufferSpace) {
      ++counters_.reset_by_client;
      ResetBoth(f);
      return false;
    }
    const size_t took = w ? *w : 0;
    if (took < got.size()) f.down.Append(got.subspan(took));
  }
  if (f.up_eof && f.down.empty() && !f.down_shut) {
    (void)f.conn->ShutdownWrite();
    f.down_shut = true;
  }
  UpdateInterest(f);
  return MaybeFinish(f);
}

bool Relay::MaybeFinish(Flow& f) {
  if (!(f.client_fin && f.up_shut && f.up_eof && f.down_shut && f.up.empty() &&
        f.down.empty()))
    return true;
  f.conn->Close();
  f.conn = nullptr;
  ++counters_.closed;
  Erase(f);
  return false;
}

void Relay::FailDial(Flow& f, Errc code, bool socks) {
  counters_.CountFailure(code, socks);
  if (f.conn != nullptr) {
    // Accepted before the dial: the client connection gets the RST.
    f.conn->Abort();
    f.conn = nullptr;
  } else if (f.id != 0) {
    decisions_.push_back({f.id, 0, false});
  }
  Erase(f);
}

void Relay::ResetBoth(Flow& f) {
  if (f.conn != nullptr) {
    f.conn->Abort();
    f.conn = nullptr;
  }
  if (f.fd.valid()) (void)sys::SetResetOnClose(f.fd.get());
  Erase(f);
}

void Relay::UpdateInterest(Flow& f) {
  uint32_t want = 0;
  switch (f.phase) {
    case Flow::Phase::kConnecting:
      want = sys::kEpollOut;
      break;
    case Flow::Phase::kHandshake:
      want = f.want == tun2socks::Handshake::Want::kRead ? sys::kEpollIn
                                                         : sys::kEpollOut;
      break;
    case Flow::Phase::kRelaying:
      if (!f.up.empty()) want |= sys::kEpollOut;
      if (!f.up_eof && f.down.empty() && f.conn != nullptr &&
          f.conn->SendSpace() > 0)
        want |= sys::kEpollIn;
      break;
    case Flow::Phase::kQueued:
    case Flow::Phase::kAdmitting:
      break;
  }
  if (want == f.interest && f.registered == (want != 0)) return;
  if (want == 0) {
    if (f.registered) (void)sys::EpollRemove(epoll_.get(), f.fd.get());
    f.registered = false;
  } else if (!f.registered) {
    f.registered =
        sys::EpollWatch(epoll_.get(), f.fd.get(), want, f.tag).has_value();
  } else {
    (void)sys::EpollModify(epoll_.get(), f.fd.get(), want, f.tag);
  }
  f.interest = want;
}

void Relay::Erase(Flow& f) {
  if (f.registered) (void)sys::EpollRemove(epoll_.get(), f.fd.get());
  if (f.id != 0) {
    auto id = by_id_.find(f.id);
    if (id != by_id_.end() && id->second == f.tag) by_id_.erase(id);
  }
  flows_.erase(f.tag);  // Destroys f (closing its socket).
}

void Relay::Sweep(Clock::time_point now) {
  sweep_.clear();
  for (const auto& [tag, f] : flows_) sweep_.push_back(tag);
  for (uint64_t tag : sweep_) {
    auto it = flows_.find(tag);
    if (it == flows_.end()) continue;
    Flow& f = *it->second;
    switch (f.phase) {
      case Flow::Phase::kQueued:
      case Flow::Phase::kConnecting:
      case Flow::Phase::kHandshake:
        if (now >= f.deadline) FailDial(f, Errc::kTimedOut, false);
        break;
      case Flow::Phase::kAdmitting:
        if (now >= f.deadline) {
          ++counters_.abandoned;
          Erase(f);
        }
        break;
      case Flow::Phase::kRelaying:
        if (now - f.last >= config_.idle_timeout) {
          ++counters_.idle_closed;
          ResetBoth(f);
        } else if (!f.down.empty()) {
          (void)PumpDown(f);  // lwIP was out of memory: try again.
        }
        break;
    }
  }
}

}  // namespace fdlink::tool::tun2socks
