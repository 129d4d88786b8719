// Wrong: the output batch outlives the core lock (declared before the
// guard, so it closes, and flushes, after the lock is released).
#include "fdlink/lwip/netif_adapter.h"

namespace fdlink::tsa {

void BatchOutlivesLock(lwip::NetifAdapter& a) {
  lwip::NetifAdapter::OutputBatch batch(a);  // expected-tsa-error
  lwip::CoreLockGuard g;
}

}  // namespace fdlink::tsa
