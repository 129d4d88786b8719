// Renders the fd-based endpoint's counters for `fdlink serve` and the TUN
// demo: one readable line, or a JSON object.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_ENDPOINT_REPORT_H_
#define FDLINK_TOOLS_FDLINK_COMMON_ENDPOINT_REPORT_H_

#include <string>

#include "common/json.h"
#include "fdlink/link/fdbased/counters.h"

namespace fdlink::tool {

// EndpointSummary renders `c` as one line: packets and bytes each way,
// errors, and the drops by reason (non-zero reasons only).
std::string EndpointSummary(const fdbased::FdCounters& c);

// EndpointJson renders every counter of `c` as a JSON object, the drops as
// an object keyed by DropReasonName.
Json EndpointJson(const fdbased::FdCounters& c);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_ENDPOINT_REPORT_H_
