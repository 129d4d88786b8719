// Wrong: detaches the lwIP adapter while holding lwIP's core lock. The
// endpoint's receive threads take that lock to hand packets to lwIP, and
// Detach waits for them: a deadlock, rejected by Detach's EXCLUDES.
#include "fdlink/lwip/netif_adapter.h"

namespace fdlink::tsa {

void DetachUnderCoreLock(lwip::NetifAdapter& adapter) {
  lwip::CoreLockGuard g;
  adapter.Detach();  // expected-tsa-error
}

}  // namespace fdlink::tsa
