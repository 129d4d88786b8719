// netns_sys: thin wrappers for network namespaces (running a child process
// inside one is in process.h). Descriptor arguments are borrowed.
#ifndef FDLINK_SYS_NETNS_SYS_H_
#define FDLINK_SYS_NETNS_SYS_H_

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::sys {

// UnshareNetNs moves the calling thread (only it: namespaces are per task)
// into a new, empty network namespace. Needs CAP_SYS_ADMIN.
Result<void> UnshareNetNs();

// OpenThreadNetNs opens /proc/thread-self/ns/net, a handle that keeps the
// calling thread's network namespace alive while it is open. Close-on-exec.
Result<UniqueFd> OpenThreadNetNs();

// SetNetNs moves the calling thread into the network namespace `ns_fd`.
Result<void> SetNetNs(int ns_fd);

// SameFile reports whether two descriptors refer to the same inode (for
// namespace handles: the same namespace).
Result<bool> SameFile(int a, int b);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_NETNS_SYS_H_
