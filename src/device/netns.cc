#include "fdlink/device/netns.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "fdlink/device/link_config.h"
#include "fdlink/sys/netns_sys.h"
#include "fdlink/sys/process.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::device {
namespace {

using Clock = std::chrono::steady_clock;

// kPollSliceMs bounds each wait in RunCommandIn so that a child's exit is
// noticed even when a descendant keeps its output pipe open.
constexpr int kPollSliceMs = 10;

// MakeNamespace runs on a throwaway thread: it moves that thread into a new
// namespace, takes a handle to it and brings the loopback device up.
Result<UniqueFd> MakeNamespace() {
  if (Result<void> ok = sys::UnshareNetNs(); !ok) return ok.error();
  Result<UniqueFd> handle = sys::OpenThreadNetNs();
  if (!handle) return handle.error();
  Result<int> lo = InterfaceIndex("lo");
  if (!lo) return lo.error();
  if (Result<void> ok = SetUp(*lo, true); !ok) return ok.error();
  return handle;
}

// Drain appends everything readable now from the non-blocking `fd` to
// *output (if not null). Returns true at end of file.
Result<bool> Drain(int fd, std::string* output) {
  std::array<uint8_t, 4096> buf;
  for (;;) {
    Result<size_t> n = sys::Read(fd, buf);
    if (!n) {
      if (n.error().code == Errc::kWouldBlock) return false;
      return n.error();
    }
    if (*n == 0) return true;
    if (output != nullptr) output->append(buf.begin(), buf.begin() + *n);
  }
}

// MillisLeft is the time until `deadline`, or kPollSliceMs without one.
int MillisLeft(bool has_deadline, Clock::time_point deadline) {
  if (!has_deadline) return kPollSliceMs;
  // Rounded up: a truncated 0.9 ms would read as the deadline passed.
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// KillAndReap ends a child that is no longer wanted, with all of its
// process group, and collects it.
void KillAndReap(int pid) {
  (void)sys::KillProcessGroup(pid);
  (void)sys::WaitChild(pid, /*block=*/true);
}

}  // namespace

Result<NetNs> NetNs::Create() {
  Result<UniqueFd> handle = Error{Errc::kUnknown, 0, "netns helper"};
  std::thread helper([&handle] { handle = MakeNamespace(); });
  helper.join();
  if (!handle) return handle.error();
  return NetNs(std::move(*handle));
}

Result<void> NetNs::Run(const std::function<void()>& fn) const {
  Result<void> joined;
  const int ns_fd = fd_.get();
  std::thread worker([&joined, &fn, ns_fd] {
    joined = sys::SetNetNs(ns_fd);
    if (joined) fn();
  });
  worker.join();
  return joined;
}

std::string NetNs::path() const {
  return "/proc/" + std::to_string(sys::ProcessId()) + "/fd/" +
         std::to_string(fd_.get());
}

Result<ScopedNetNsEntry> ScopedNetNsEntry::Enter(const NetNs& ns) {
  Result<UniqueFd> previous = sys::OpenThreadNetNs();
  if (!previous) return previous.error();
  if (Result<void> ok = sys::SetNetNs(ns.fd()); !ok) return ok.error();
  return ScopedNetNsEntry(std::move(*previous));
}

ScopedNetNsEntry::~ScopedNetNsEntry() {
  if (!previous_) return;
  if (Result<void> ok = sys::SetNetNs(previous_.get()); !ok) {
    std::fprintf(stderr,
                 "fdlink: cannot return to the previous network "
                 "namespace: %s\n",
                 ok.error().ToString().c_str());
    std::abort();
  }
}

Result<int> RunCommandIn(const NetNs& ns, const std::vector<std::string>& argv,
                         std::string* output, int timeout_ms) {
  if (output != nullptr) output->clear();
  UniqueFd out_read, out_write;
  if (Result<void> ok = sys::Pipe(&out_read, &out_write); !ok)
    return ok.error();
  Result<int> pid = sys::SpawnInNetNs(ns.fd(), argv, out_write.get());
  if (!pid) return pid.error();
  out_write.reset();  // Only the child holds the write end now.

  const bool has_deadline = timeout_ms >= 0;
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(has_deadline ? timeout_ms : 0);
  bool eof = false;
  for (;;) {
    if (!eof) {
      Result<bool> drained = Drain(out_read.get(), output);
      if (!drained) {
        KillAndReap(*pid);
        return drained.error();
      }
      eof = *drained;
    }
    Result<std::optional<int>> status = sys::WaitChild(*pid, /*block=*/false);
    if (!status) return status.error();  // Not our child any more.
    if (status->has_value()) {
      if (!eof) (void)Drain(out_read.get(), output);
      return **status;
    }
    const int left = MillisLeft(has_deadline, deadline);
    if (left == 0) {
      KillAndReap(*pid);
      if (!eof) (void)Drain(out_read.get(), output);
      return Error{Errc::kTimedOut, ETIMEDOUT,
                   "command timed out and was killed"};
    }
    const int slice = std::min(left, kPollSliceMs);
    if (eof) {
      std::this_thread::sleep_for(std::chrono::milliseconds(slice));
    } else if (Result<bool> ready = sys::WaitReadable(out_read.get(), slice);
               !ready) {
      KillAndReap(*pid);
      return ready.error();
    }
  }
}

}  // namespace fdlink::device
