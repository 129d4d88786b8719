// netns: private network namespaces for tests and the demo. A NetNs is a
// handle to an anonymous namespace; code runs inside it on a dedicated
// thread, so the rest of the process stays in the host namespace.
//
// Descriptors opened inside a namespace (TUN fds, packet and netlink
// sockets) stay bound to it and work from any thread, so an endpoint's
// threads do not need to enter the namespace themselves.
//
// Subprocesses: RunCommandIn runs a program inside (e.g.
// {"ping", "-c", "1", "-W", "1", "198.18.0.2"}). An external tool can also
// join it with `nsenter --net=<path()>` while this process keeps the
// NetNs alive; no `ip netns` bind mount is involved.
#ifndef FDLINK_DEVICE_NETNS_H_
#define FDLINK_DEVICE_NETNS_H_

#include <functional>
#include <string>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::device {

// NetNs owns a handle to a network namespace with `lo` up. Move-only. The
// namespace lives while this handle, or anything created inside it (a
// thread, a socket, a process), does; destroying the NetNs closes the
// handle, and when nothing else holds the namespace it is torn down along
// with every device in it. Const methods are thread-safe.
class NetNs {
 public:
  // Create makes a new, empty network namespace without moving the calling
  // thread: a helper thread unshares, opens its namespace handle, brings
  // `lo` up and exits. Needs CAP_SYS_ADMIN (kPermissionDenied otherwise).
  static Result<NetNs> Create();

  NetNs(NetNs&&) = default;
  NetNs& operator=(NetNs&&) = default;

  // Run calls fn on a fresh thread that has joined this namespace, and
  // returns after that thread has finished. fn must not rely on
  // thread-local state of the caller. Errors only when the thread cannot
  // join the namespace (fn is then not called).
  Result<void> Run(const std::function<void()>& fn) const;

  // fd is the namespace handle, borrowed: valid while this NetNs lives.
  int fd() const { return fd_.get(); }

  // path is "/proc/<pid>/fd/<fd>", a name for this namespace that other
  // processes can open (`nsenter --net=PATH`) while this NetNs lives.
  std::string path() const;

 private:
  explicit NetNs(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
};

// ScopedNetNsEntry moves the calling thread into a namespace and back out
// when destroyed, for code that must make many calls inside without a
// dedicated thread. It must be destroyed on the thread that created it;
// it is move-only so it can be returned, never handed to another thread.
// If returning to the previous namespace fails (which needs the kernel to
// refuse a namespace the thread was just in), the process aborts rather
// than let the thread keep working in the wrong namespace.
class ScopedNetNsEntry {
 public:
  // Enter moves the calling thread into `ns`, remembering where it was.
  static Result<ScopedNetNsEntry> Enter(const NetNs& ns);

  ScopedNetNsEntry(ScopedNetNsEntry&&) = default;
  ScopedNetNsEntry& operator=(ScopedNetNsEntry&&) = delete;
  ScopedNetNsEntry(const ScopedNetNsEntry&) = delete;
  ScopedNetNsEntry& operator=(const ScopedNetNsEntry&) = delete;
  ~ScopedNetNsEntry();

 private:
  explicit ScopedNetNsEntry(UniqueFd previous)
      : previous_(std::move(previous)) {}

  UniqueFd previous_;  // The thread's former namespace; empty if moved from.
};

// RunCommandIn runs argv (argv[0] is looked up in PATH) in a child process
// inside `ns`, with stdin from /dev/null and stdout and stderr captured
// together into *output (nullptr: discarded). It returns the exit status:
// the exit code, or 128 + N when killed by signal N. After `timeout_ms`
// (negative: no limit) the child's whole process group is killed and the
// result is Errc::kTimedOut ("command timed out and was killed"), with the
// output so far still stored. A program that cannot be started (not
// found, not executable) is an error with what "exec".
Result<int> RunCommandIn(const NetNs& ns, const std::vector<std::string>& argv,
                         std::string* output, int timeout_ms);

}  // namespace fdlink::device

#endif  // FDLINK_DEVICE_NETNS_H_
