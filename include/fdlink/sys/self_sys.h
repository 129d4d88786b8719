// self_sys: what the calling process may do and how it ends at once.
#ifndef FDLINK_SYS_SELF_SYS_H_
#define FDLINK_SYS_SELF_SYS_H_

namespace fdlink::sys {

// IsRoot reports whether the process runs with effective user id 0.
bool IsRoot();

// IsExecutable reports whether this process may execute the file at `path`.
bool IsExecutable(const char* path);

// ExitNow ends the process with `status` at once: no destructors, no atexit
// handlers, no stdio flush (for a watchdog that gives up on a hung call).
[[noreturn]] void ExitNow(int status);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_SELF_SYS_H_
