// Private helper of the header layer: the Error every validator returns.
#ifndef FDLINK_SRC_HEADER_MALFORMED_H_
#define FDLINK_SRC_HEADER_MALFORMED_H_

#include "fdlink/base/result.h"

namespace fdlink::header::internal {

// Malformed returns Errc::kMalformed with `what` ("ipv4: bad ihl"), which
// must be a string literal.
inline Error Malformed(const char* what) {
  return Error{Errc::kMalformed, 0, what};
}

}  // namespace fdlink::header::internal

#endif  // FDLINK_SRC_HEADER_MALFORMED_H_
