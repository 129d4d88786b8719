// Stack: the process's one lwIP instance.
#ifndef FDLINK_LWIP_STACK_H_
#define FDLINK_LWIP_STACK_H_

#include <cstddef>

#include "fdlink/lwip/core_lock.h"

namespace fdlink::lwip {

// Stack is lwIP itself. lwIP keeps all of its state in globals (netif
// list, pcb lists, timers), so there is one per process: Get() runs
// tcpip_init the first time it is called and returns the same object for
// the life of the process (lwIP has no shutdown; its tcpip thread keeps
// running until exit).
//
// Threading: Get is thread-safe. lwIP's tcpip thread runs the timers
// (TCP retransmission, the adapters' own ticks) with core_lock held.
class Stack {
 public:
  // Get starts lwIP on first use (blocks until its tcpip thread has
  // initialised) and returns it. Must not be called with core_lock held.
  static Stack& Get() EXCLUDES(core_lock);

  // ActiveTcpPcbs counts lwIP's active TCP pcbs (neither listening nor in
  // TIME-WAIT), ListenTcpPcbs its listeners, TimeWaitTcpPcbs those in
  // TIME-WAIT: lwIP's own lists, for tests and diagnostics.
  size_t ActiveTcpPcbs() const REQUIRES(core_lock);
  size_t ListenTcpPcbs() const REQUIRES(core_lock);
  size_t TimeWaitTcpPcbs() const REQUIRES(core_lock);

  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

 private:
  Stack() = default;
};

}  // namespace fdlink::lwip

#endif  // FDLINK_LWIP_STACK_H_
