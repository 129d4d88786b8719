// ProbeFd: what both fd-based endpoints learn about an fd they are given.
#ifndef FDLINK_SRC_LINK_FDBASED_FD_PROBE_H_
#define FDLINK_SRC_LINK_FDBASED_FD_PROBE_H_

#include <memory>

#include "fdlink/base/result.h"
#include "link/fdbased/fd_state.h"

namespace fdlink::fdbased {

// ProbeFd checks that `fd` (borrowed) is open, makes it non-blocking and
// returns its FdState with is_socket and, for a socket, socket_type filled
// in (is_packet_socket is left to the caller). On error nothing is built;
// `not_open` (a string literal in the caller's words) is the message when
// the fd is not open.
Result<std::unique_ptr<FdState>> ProbeFd(int fd, const char* not_open);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_FD_PROBE_H_
