// MakeQuietVethPair: a veth pair for the tool's AF_PACKET links (torture,
// bench), up, running and quiet.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_VETH_PAIR_H_
#define FDLINK_TOOLS_FDLINK_COMMON_VETH_PAIR_H_

#include <string_view>
#include <utility>

#include "fdlink/base/result.h"

namespace fdlink::tool {

// MakeQuietVethPair creates veth pair `a`/`b` in the calling thread's
// network namespace, turns IPv6 off on both (so the kernel sends nothing of
// its own), sets both up and waits up to 2 s for both to run (a packet
// socket bound before the carrier would see ENETDOWN). Returns the two
// interface indexes. Needs CAP_NET_ADMIN; errors name the failing step
// (kTimedOut when the carrier does not come).
Result<std::pair<int, int>> MakeQuietVethPair(std::string_view a,
                                              std::string_view b);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_VETH_PAIR_H_
