#include "fdlink/sys/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "sys/retry_on_eintr.h"

namespace fdlink::sys {

int ProcessId() { return static_cast<int>(::getpid()); }

Result<void> Pipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return Error::FromErrno(errno, "pipe2");
  read_end->reset(fds[0]);
  write_end->reset(fds[1]);
  int flags = ::fcntl(fds[0], F_GETFL);
  if (flags < 0 || ::fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) < 0)
    return Error::FromErrno(errno, "fcntl(O_NONBLOCK)");
  return Ok();
}

Result<int> SpawnInNetNs(int ns_fd, const std::vector<std::string>& argv,
                         int out_fd) {
  if (argv.empty()) return Error{Errc::kInvalidArgument, 0, "exec: empty argv"};
  // Everything the child needs is prepared here: after fork() in a threaded
  // process the child may only make async-signal-safe calls.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!dev_null) return Error::FromErrno(errno, "open /dev/null");
  int status_pipe[2];  // The child reports a failed setns/exec here.
  if (::pipe2(status_pipe, O_CLOEXEC) < 0)
    return Error::FromErrno(errno, "pipe2");
  UniqueFd status_read(status_pipe[0]);
  UniqueFd status_write(status_pipe[1]);

  pid_t pid = ::fork();
  if (pid < 0) return Error::FromErrno(errno, "fork");
  if (pid == 0) {
    int err = 0;
    // The program starts with no signal blocked, whatever this thread
    // blocks (StopSignals blocks SIGINT/SIGTERM in the tool's threads).
    sigset_t none;
    sigemptyset(&none);
    (void)::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::setns(ns_fd, CLONE_NEWNET) < 0 || ::setpgid(0, 0) < 0 ||
        ::dup2(dev_null.get(), STDIN_FILENO) < 0 ||
        ::dup2(out_fd, STDOUT_FILENO) < 0 ||
        ::dup2(out_fd, STDERR_FILENO) < 0) {
      err = errno;
    } else {
      ::execvp(args[0], args.data());
      err = errno;
    }
    ssize_t ignored = ::write(status_write.get(), &err, sizeof(err));
    (void)ignored;
    ::_exit(127);
  }
  status_write.reset();
  int child_err = 0;
  const auto n = RetryOnEintr(
      [&] { return ::read(status_read.get(), &child_err, sizeof(child_err)); });
  if (n == static_cast<ssize_t>(sizeof(child_err))) {
    int status;
    RetryOnEintr([&] { return ::waitpid(pid, &status, 0); });
    return Error::FromErrno(child_err, "exec");
  }
  return static_cast<int>(pid);
}

Result<bool> WaitReadable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  const auto n = RetryOnEintr(
      [&] { return ::poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms); });
  if (n < 0) return Error::FromErrno(errno, "poll");
  return n > 0;
}

Result<void> KillProcessGroup(int pgid) {
  if (::kill(-pgid, SIGKILL) < 0 && errno != ESRCH)
    return Error::FromErrno(errno, "kill");
  return Ok();
}

Result<std::optional<int>> WaitChild(int pid, bool block) {
  int status = 0;
  const auto r = RetryOnEintr(
      [&] { return ::waitpid(pid, &status, block ? 0 : WNOHANG); });
  if (r < 0) return Error::FromErrno(errno, "waitpid");
  if (r == 0) return std::optional<int>();
  if (WIFSIGNALED(status)) return std::optional<int>(128 + WTERMSIG(status));
  return std::optional<int>(WEXITSTATUS(status));
}

}  // namespace fdlink::sys
