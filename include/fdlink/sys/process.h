// process: thin wrappers for child processes (spawned into a network
// namespace, waited for, killed by group), pipes and waiting for input.
// Descriptor arguments are borrowed for each call.
#ifndef FDLINK_SYS_PROCESS_H_
#define FDLINK_SYS_PROCESS_H_

#include <optional>
#include <string>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::sys {

// ProcessId returns getpid().
int ProcessId();

// Pipe creates a close-on-exec pipe whose read end is non-blocking.
Result<void> Pipe(UniqueFd* read_end, UniqueFd* write_end);

// SpawnInNetNs forks a child that joins the network namespace `ns_fd`,
// starts its own process group, reads stdin from /dev/null, writes stdout
// and stderr to `out_fd`, starts with no signal blocked, and execs argv[0]
// (searched in PATH). Returns the child's pid once the exec succeeded. If
// joining or exec failed, the child is reaped and that errno is returned
// (what = "exec"). argv must not be empty.
Result<int> SpawnInNetNs(int ns_fd, const std::vector<std::string>& argv,
                         int out_fd);

// WaitReadable waits up to `timeout_ms` (clamped at 0) for fd to be
// readable or hung up; returns whether it is.
Result<bool> WaitReadable(int fd, int timeout_ms);

// KillProcessGroup sends SIGKILL to every process in group `pgid`.
Result<void> KillProcessGroup(int pgid);

// WaitChild reaps child `pid`. With `block` false it returns nullopt while
// the child runs. The status is the exit code, or 128 + signal number for a
// child killed by a signal (the shell's convention).
Result<std::optional<int>> WaitChild(int pid, bool block);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_PROCESS_H_
