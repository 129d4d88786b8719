// TxSwitches: the transmit offloads an endpoint may turn off at run time,
// when the kernel rejects a GSO or coalesced write (see tx_writer.h).
#ifndef FDLINK_SRC_LINK_FDBASED_TX_SWITCHES_H_
#define FDLINK_SRC_LINK_FDBASED_TX_SWITCHES_H_

#include <atomic>

#include "fdlink/buffer/packet_buffer.h"

namespace fdlink::fdbased {

// TxOffload names one switch: whole super-packet writes (GSO) and coalesced
// writes, each for TCP and for UDP, because kernels in the field break each
// on its own (UDP GRO through vxlan, short-tail TCP GSO writes on 6.1).
enum class TxOffload : uint8_t { kTcpGso, kUdpGso, kTcpCoalesce, kUdpCoalesce };

// TxOffloadName is the switch's name in the log line: "tcp_gso" etc.
const char* TxOffloadName(TxOffload o);

// TxOffloadFor is the switch a write of GSO type `t` (not kNone) goes
// through: whole (coalesced = false) or coalesced.
TxOffload TxOffloadFor(GSOType t, bool coalesced);

// TxSwitches holds one on/off flag per TxOffload, all on at first. Owned by
// the Endpoint; any thread may read or flip a switch (relaxed atomics: a
// write that still sees "on" after another thread turned it off merely
// fails once more and falls back the same way). Switches only go off.
class TxSwitches {
 public:
  bool On(TxOffload o) const {
    return on_[static_cast<int>(o)].load(std::memory_order_relaxed);
  }
  // TurnOff turns `o` off and returns true for the one caller that flipped
  // it (which then logs it); false when it was already off.
  bool TurnOff(TxOffload o) {
    return on_[static_cast<int>(o)].exchange(false, std::memory_order_relaxed);
  }

 private:
  std::atomic<bool> on_[4] = {true, true, true, true};
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_SWITCHES_H_
