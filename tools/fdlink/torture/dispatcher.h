// TortureDispatcher: the torture's NetworkDispatcher. One is heap-allocated
// per attachment and deleted right after the detach returns; a delivery to
// one whose detach has returned is counted as late.
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_DISPATCHER_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_DISPATCHER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/stack/link_endpoint.h"
#include "torture/state.h"

namespace fdlink::tool {

// TortureDispatcher checks, at the start of every delivery, that it is still
// alive (a magic word its destructor poisons, and a registry of live ids)
// and that its detach has not returned (a CallbackWindow). It checks that
// each packet is the IPv4 the peers sent, releases it, and with a small
// probability, if it is a self-detacher, calls Attach(nullptr) from inside
// the delivery.
//
// Memory of deleted dispatchers is kept in a quarantine for the next few
// thousand deletions, so a late delivery reads the poison instead of reused
// memory.
//
// Threading: DeliverNetworkPacket runs on any endpoint thread; the rest on
// the control thread.
class TortureDispatcher final : public NetworkDispatcher {
 public:
  // `ep` and `ctx` must outlive the dispatcher's attachment.
  TortureDispatcher(uint64_t id, fdbased::Endpoint* ep, bool self_detacher,
                    TortureContext* ctx);
  ~TortureDispatcher() override;
  TortureDispatcher(const TortureDispatcher&) = delete;
  TortureDispatcher& operator=(const TortureDispatcher&) = delete;

  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override;

  // MarkDetached is called right after the detach returns: from then on any
  // delivery is late. Returns false if a delivery was still running.
  bool MarkDetached() { return window_.Close(); }
  // Delivered is the number of deliveries that have completed.
  uint64_t Delivered() const { return window_.Completed(); }
  uint64_t id() const { return id_; }

  static void* operator new(size_t size);
  static void operator delete(void* p);
  // DrainQuarantine frees every quarantined dispatcher (at the end of the
  // run, once no endpoint exists).
  static void DrainQuarantine();

 private:
  static constexpr uint64_t kAlive = 0x0A11FE0A11FE0A11ULL;
  static constexpr uint64_t kPoison = 0xDEADDEADDEADDEADULL;

  std::atomic<uint64_t> magic_{kAlive};
  const uint64_t id_;
  fdbased::Endpoint* const ep_;
  const bool self_detacher_;
  TortureContext* const ctx_;
  CallbackWindow window_{true};
};

// DetachFromCallback calls ep.Attach(nullptr) on the calling endpoint
// thread, published to the watchdog as `where` and timed into
// ctx.callback_detach.
void DetachFromCallback(fdbased::Endpoint& ep, TortureContext& ctx,
                        const char* where);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_DISPATCHER_H_
