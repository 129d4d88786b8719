#include "torture/dispatcher.h"

#include <array>
#include <deque>
#include <new>

#include "fdlink/base/mutex.h"
#include "torture/traffic.h"
#include "torture/watchdog.h"

namespace fdlink::tool {
namespace {

// A self-detacher detaches on about one delivery in this many.
constexpr uint64_t kSelfDetachOneIn = 512;
// Any dispatcher asks IsAttached() (taking the endpoint's mutex from an
// endpoint thread) on about one delivery in this many.
constexpr uint64_t kIsAttachedOneIn = 2048;
constexpr size_t kQuarantine = 4096;

// Registry of live dispatcher ids: slot id % kRegistry holds id while the
// dispatcher lives (one is alive at a time, so slots never collide).
constexpr size_t kRegistry = 1024;
std::array<std::atomic<uint64_t>, kRegistry> g_live{};

bool IsLive(uint64_t id) { return g_live[id % kRegistry].load() == id; }

// Quarantine holds freed dispatcher memory for a while.
struct Quarantine {
  Mutex mu{"torture.Quarantine.mu"};
  std::deque<void*> blocks GUARDED_BY(mu);
};
Quarantine& Q() {
  static Quarantine* q = new Quarantine;  // Never destroyed: used at exit.
  return *q;
}

}  // namespace

TortureDispatcher::TortureDispatcher(uint64_t id, fdbased::Endpoint* ep,
                                     bool self_detacher, TortureContext* ctx)
    : id_(id), ep_(ep), self_detacher_(self_detacher), ctx_(ctx) {
  g_live[id_ % kRegistry].store(id_);
}

TortureDispatcher::~TortureDispatcher() {
  g_live[id_ % kRegistry].store(0);
  magic_.store(kPoison);
}

void TortureDispatcher::DeliverNetworkPacket(NetworkProtocolNumber protocol,
                                             PacketBufferPtr pkt) {
  const bool in_window = window_.Enter();
  if (!in_window || magic_.load() != kAlive || !IsLive(id_)) {
    ReportLate(*ctx_, "DeliverNetworkPacket", id_);
    pkt.reset();
    window_.Exit();
    return;  // The endpoint may be gone too: touch nothing else.
  }
  if (!IsFloodPacket(protocol, *pkt)) ctx_->counters->bad_packets.fetch_add(1);
  pkt.reset();
  FastRng& rng = ThreadRng();
  if (self_detacher_ && rng.OneIn(kSelfDetachOneIn)) {
    DetachFromCallback(*ep_, *ctx_, "DeliverNetworkPacket");
  } else if (rng.OneIn(kIsAttachedOneIn)) {
    (void)ep_->IsAttached();
  }
  window_.Exit();
}

void* TortureDispatcher::operator new(size_t size) {
  return ::operator new(size);
}

void TortureDispatcher::operator delete(void* p) {
  Quarantine& q = Q();
  void* evicted = nullptr;
  {
    MutexLock l(&q.mu);
    q.blocks.push_back(p);
    if (q.blocks.size() > kQuarantine) {
      evicted = q.blocks.front();
      q.blocks.pop_front();
    }
  }
  ::operator delete(evicted);
}

void TortureDispatcher::DrainQuarantine() {
  Quarantine& q = Q();
  std::deque<void*> all;
  {
    MutexLock l(&q.mu);
    all.swap(q.blocks);
  }
  for (void* p : all) ::operator delete(p);
}

void DetachFromCallback(fdbased::Endpoint& ep, TortureContext& ctx,
                        const char* where) {
  ScopedSlot slot(*ctx.watchdog, where, 0);
  const auto t0 = std::chrono::steady_clock::now();
  {
    OpScope op(slot.get(), "Attach(nullptr) in callback");
    ep.Attach(nullptr);
  }
  ctx.callback_detach->Add(std::chrono::steady_clock::now() - t0);
  ctx.counters->self_detaches.fetch_add(1);
}

}  // namespace fdlink::tool
