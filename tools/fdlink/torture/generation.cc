#include "torture/generation.h"

#include <algorithm>
#include <cstdio>

#include "fdlink/sys/syscalls.h"
#include "torture/dispatcher.h"
#include "torture/watchdog.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kFloodPackets = 64;
constexpr size_t kTxPackets = 16;
constexpr size_t kMaxTxBatch = 16;

}  // namespace

Generation::Generation(const GenerationConfig& c) : cfg_(c) {}

Generation::~Generation() { Finish(nullptr); }

Result<std::unique_ptr<Generation>> Generation::Create(
    const GenerationConfig& c) {
  std::unique_ptr<Generation> g(new Generation(c));
  const TortureOptions& o = *c.opts;
  if (c.veth != nullptr) {
    if (Result<void> r = c.veth->OpenSockets(o.fds, &g->ours_, &g->peers_); !r)
      return r.error();
  }
  for (uint32_t i = 0; i < o.fds && c.veth == nullptr; ++i) {
    UniqueFd ours, peer;
    if (Result<void> r = sys::SocketPair(o.socket_type, &ours, &peer); !r)
      return r.error();
    if (Result<void> r = sys::SetNonBlocking(peer.get()); !r) return r.error();
    g->ours_.push_back(std::move(ours));
    g->peers_.push_back(std::move(peer));
  }
  for (uint32_t i = 0; i < o.fds; ++i)
    g->peer_ctl_.push_back(std::make_unique<PeerControl>());
  g->packets_ = FloodPackets(kFloodPackets, c.ethernet);
  g->tx_packets_ = FloodPackets(kTxPackets, false);

  fdbased::Options eo;
  for (const UniqueFd& f : g->ours_) eo.fds.push_back(f.get());
  eo.mtu = 1500;
  eo.ethernet_header = c.ethernet;
  eo.address = MacAddress::FromU64(0x020000000001);
  Generation* gp = g.get();
  eo.closed_func = [gp](const Error& why) { gp->OnClosed(why); };
  eo.dispatch_mode = o.mode;
  eo.processors_per_channel = o.processors;
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(eo));
  if (!ep) return ep.error();
  g->ep_ = std::move(*ep);

  Watchdog& w = *c.ctx->watchdog;
  for (size_t i = 0; i < g->peers_.size(); ++i) {
    g->writers_.emplace_back([gp, i, &w] {
      ScopedSlot slot(w, "peer writer", static_cast<int>(i));
      FloodPeer(gp->peers_[i], gp->packets_, *gp->peer_ctl_[i],
                *gp->cfg_.ctx->counters, slot.get());
    });
  }
  g->callers_.emplace_back([gp] { gp->RunProperties(0); });
  g->callers_.emplace_back([gp] { gp->RunTx(0); });
  g->callers_.emplace_back([gp] { gp->RunPeerCloser(); });
  return g;
}

void Generation::OnClosed(const Error& why) {
  TortureContext& ctx = *cfg_.ctx;
  if (!closed_window_.Enter()) {
    ReportLate(ctx, "closed callback", 0);
    closed_window_.Exit();
    return;
  }
  ctx.counters->closed_callbacks.fetch_add(1);
  if (why.code != Errc::kPeerClosed &&
      ctx.counters->closed_io_errors.fetch_add(1) < 5) {
    std::fprintf(stderr, "fdlink torture: closed callback with %s\n",
                 why.ToString().c_str());
  }
  if (ThreadRng().OneIn(2)) DetachFromCallback(*ep_, ctx, "closed callback");
  closed_window_.Exit();
}

void Generation::RunProperties(int index) {
  ScopedSlot slot(*cfg_.ctx->watchdog, "endpoint properties", index);
  FastRng& rng = ThreadRng();
  while (!CallersStopped()) {
    switch (rng.Below(4)) {
      case 0: {
        OpScope op(slot.get(), "SetLinkAddress");
        ep_->SetLinkAddress(
            MacAddress::FromU64(0x020000000000 | (rng.Next() & 0xFFFFFFFF)));
        break;
      }
      case 1: {
        OpScope op(slot.get(), "LinkAddress");
        (void)ep_->LinkAddress();
        break;
      }
      case 2: {
        OpScope op(slot.get(), "SetMTU");
        ep_->SetMTU(static_cast<uint32_t>(1280 + rng.Below(8000)));
        break;
      }
      default: {
        OpScope op(slot.get(), "IsAttached");
        (void)ep_->IsAttached();
        break;
      }
    }
    cfg_.ctx->counters->property_calls.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::yield();
  }
}

void Generation::RunTx(int index) {
  ScopedSlot slot(*cfg_.ctx->watchdog, "WritePackets caller", index);
  FastRng& rng = ThreadRng();
  std::vector<PacketBufferPtr> batch;
  while (!CallersStopped()) {
    const size_t n = 1 + rng.Below(kMaxTxBatch);
    for (size_t i = 0; i < n; ++i) {
      PacketBufferOptions po;
      po.reserve_header_bytes = ep_->MaxHeaderLength();
      po.payload = tx_packets_[rng.Below(tx_packets_.size())];
      PacketBufferPtr p = PacketBuffer::Create(po);
      p->set_network_protocol(kIPv4ProtocolNumber);
      p->set_hash(static_cast<uint32_t>(rng.Next()));
      p->set_egress_route(EgressRoute{MacAddress(), MacAddress::Broadcast()});
      // Headroom is MaxHeaderLength(), so AddHeader cannot fail.
      if (ep_->AddHeader(*p)) batch.push_back(std::move(p));
    }
    Result<size_t> r = [&] {
      OpScope op(slot.get(), "WritePackets");
      return ep_->WritePackets(batch);
    }();
    if (r) {
      cfg_.ctx->counters->tx_written.fetch_add(*r, std::memory_order_relaxed);
    }
    batch.clear();
    std::this_thread::yield();
  }
}

void Generation::RunPeerCloser() {
  ScopedSlot slot(*cfg_.ctx->watchdog, "peer closer", 0);
  FastRng& rng = ThreadRng();
  const Clock::time_point start = Clock::now();
  const Clock::duration span = std::max(cfg_.end - start, Clock::duration(0));
  // Plan: most generations hang up on one pair at a random time, some on a
  // second one too, some on none.
  struct Hangup {
    Clock::time_point at;
    size_t fd;
  };
  std::vector<Hangup> plan;
  const size_t events = rng.OneIn(4) ? 0 : (rng.OneIn(4) ? 2 : 1);
  for (size_t i = 0; i < events; ++i) {
    const double f = 0.1 + 0.8 * static_cast<double>(rng.Below(1000)) / 1000;
    plan.push_back(
        {start + std::chrono::duration_cast<Clock::duration>(span * f),
         static_cast<size_t>(rng.Below(peer_ctl_.size()))});
  }
  std::sort(plan.begin(), plan.end(),
            [](const Hangup& a, const Hangup& b) { return a.at < b.at; });
  for (const Hangup& h : plan) {
    while (!CallersStopped() && Clock::now() < h.at)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (CallersStopped()) return;
    peer_ctl_[h.fd]->close_now.store(true);
  }
}

void Generation::StopCallers(WatchdogSlot* slot) {
  stop_callers_.store(true);
  OpScope op(slot, "join endpoint callers");
  for (std::thread& t : callers_) {
    if (t.joinable()) t.join();
  }
}

void Generation::Finish(WatchdogSlot* slot) {
  if (finished_) return;
  finished_ = true;
  StopCallers(slot);
  if (ep_ != nullptr) {
    {
      OpScope op(slot, "Endpoint::Close");
      ep_->Close();
    }
    OpScope op(slot, "Endpoint::~Endpoint");
    ep_.reset();
  }
  for (auto& c : peer_ctl_) c->stop.store(true);
  {
    OpScope op(slot, "join peer writers");
    for (std::thread& t : writers_) {
      if (t.joinable()) t.join();
    }
  }
  OpScope op(slot, "close socketpairs");
  ours_.clear();
  peers_.clear();
}

}  // namespace fdlink::tool
