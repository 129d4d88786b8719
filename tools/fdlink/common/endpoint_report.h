// Renders the fd-based endpoint's counters for `fdlink serve` and the TUN
// demo: one readable line, or a JSON object; and the receive mode in use.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_ENDPOINT_REPORT_H_
#define FDLINK_TOOLS_FDLINK_COMMON_ENDPOINT_REPORT_H_

#include <string>

#include "common/json.h"
#include "fdlink/link/fdbased/counters.h"
#include "fdlink/link/fdbased/endpoint.h"

namespace fdlink::tool {

// EndpointSummary renders `c` as one line: packets and bytes each way,
// errors, and the drops by reason (non-zero reasons only).
std::string EndpointSummary(const fdbased::FdCounters& c);

// EndpointJson renders every counter of `c` as a JSON object, the drops as
// an object keyed by DropReasonName.
Json EndpointJson(const fdbased::FdCounters& c);

// ModeInUse names `ep`'s receive mode in effect and, when the requested
// one fell back, why: "readv (io_uring: the kernel has no ...)".
std::string ModeInUse(const fdbased::Endpoint& ep);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_ENDPOINT_REPORT_H_
