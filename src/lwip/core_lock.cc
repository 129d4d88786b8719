#include "fdlink/lwip/core_lock.h"

#include "fdlink/base/lockdep.h"
#include "lwip/lwip_headers.h"

namespace fdlink::lwip {

void CoreLock::Lock(SrcLoc loc) {
  lockdep::OnAcquire(this, "lwip.core", lockdep::Mode::kExclusive, loc);
  sys_lock_tcpip_core();
}

void CoreLock::Unlock() {
  sys_unlock_tcpip_core();
  lockdep::OnRelease(this);
}

}  // namespace fdlink::lwip
