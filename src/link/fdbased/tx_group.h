// WriteGroup: writing one fd's run of packets, with GSO, software
// segmentation, coalescing and the runtime fallback (see tx_writer.h).
#ifndef FDLINK_SRC_LINK_FDBASED_TX_GROUP_H_
#define FDLINK_SRC_LINK_FDBASED_TX_GROUP_H_

#include <cstddef>
#include <optional>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/link_config.h"
#include "link/fdbased/tx_switches.h"

namespace fdlink::fdbased {

// GroupResult is how far a group got: `written` input packets went out;
// `error`, when set, is why it stopped early (incl. would-block); `refused`
// says the error is a refusal of the next packet (already counted in
// tx_invalid), not a write failure.
struct GroupResult {
  size_t written = 0;
  std::optional<Error> error;
  bool refused = false;
};

// WriteGroup writes pkts (none null, none refused by the caller's checks)
// to fd as `link` says, in order, and counts them in fd's counters.
// `switches` (may be null: then nothing is turned off beyond this call) are
// the endpoint's runtime offload switches. Thread-safe: the scratch is per
// thread.
GroupResult WriteGroup(const LinkConfig& link, TxSwitches* switches,
                       FdState& fd, std::span<const PacketBufferPtr> pkts);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_TX_GROUP_H_
