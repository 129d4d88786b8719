#include "fdlink/base/thread_start.h"

#include <cerrno>
#include <system_error>
#include <utility>

namespace fdlink {
namespace {
ThreadStartHook& Hook() {
  static ThreadStartHook hook;
  return hook;
}
}  // namespace

Result<std::thread> StartThread(std::function<void()> fn) {
  if (Hook() && !Hook()()) {
    return Error{Errc::kNoBufferSpace, EAGAIN, "cannot start a thread"};
  }
  // std::thread reports the OS's refusal as std::system_error; that is the
  // only exception the library catches, and only here, on a control path.
  try {
    return std::thread(std::move(fn));
  } catch (const std::system_error& e) {
    return Error{Errc::kNoBufferSpace, e.code().value(),
                 "cannot start a thread"};
  }
}

void SetThreadStartHookForTest(ThreadStartHook hook) {
  Hook() = std::move(hook);
}

}  // namespace fdlink
