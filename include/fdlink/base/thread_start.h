// StartThread: the library's one way to create a thread, with a test-only
// hook that makes chosen thread creations fail.
#ifndef FDLINK_BASE_THREAD_START_H_
#define FDLINK_BASE_THREAD_START_H_

#include <functional>
#include <thread>

#include "fdlink/base/result.h"

namespace fdlink {

// StartThread runs `fn` on a new std::thread and returns it. When the OS
// refuses (thread limit, RLIMIT_NPROC, memory) it returns kNoBufferSpace with
// the errno and `fn` never runs. Control path only: it may allocate.
[[nodiscard]] Result<std::thread> StartThread(std::function<void()> fn);

// ThreadStartHook is consulted by every StartThread call before it creates
// the thread; returning false makes that call fail as if the OS had said
// EAGAIN. It runs on the creating thread, with whatever locks the creator
// holds, so it must not call back into the creator.
using ThreadStartHook = std::function<bool()>;

// SetThreadStartHookForTest installs `hook` process-wide (nullptr removes
// it). Test-only: production code never sets it. Not thread-safe against
// concurrent StartThread calls; set it while no thread is being started.
void SetThreadStartHookForTest(ThreadStartHook hook);

}  // namespace fdlink

#endif  // FDLINK_BASE_THREAD_START_H_
