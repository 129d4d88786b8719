// Right: the lwIP adapter detached without the core lock, and a
// Connection written to under it (as from a callback, or a guard), a
// burst of writes in one output batch.
#include "fdlink/lwip/netif_adapter.h"

namespace fdlink::tsa {

void DetachThenWrite(lwip::NetifAdapter& adapter, lwip::Connection& c,
                     std::span<const uint8_t> data) {
  adapter.Detach();
  lwip::CoreLockGuard g;
  (void)c.Write(data);
}

void WriteABurstInOneBatch(lwip::NetifAdapter& adapter, lwip::Connection& c,
                           std::span<const uint8_t> data) {
  lwip::CoreLockGuard g;
  lwip::NetifAdapter::OutputBatch batch(adapter);  // Closes before g.
  (void)c.Write(data);
  (void)c.Write(data);
}

void FromACallback(lwip::Connection& c) {
  lwip::core_lock.AssertHeld();  // lwIP holds it while it calls back.
  c.Consumed(1);
}

}  // namespace fdlink::tsa
