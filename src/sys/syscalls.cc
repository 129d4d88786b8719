#include "fdlink/sys/syscalls.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sys/retry_on_eintr.h"

namespace fdlink::sys {
namespace {

// SizeResult turns a ssize_t syscall return into a Result.
Result<size_t> SizeResult(ssize_t n, const char* op) {
  if (n < 0) return Error::FromErrno(errno, op);
  return static_cast<size_t>(n);
}

}  // namespace

void Close(int fd) { ::close(fd); }

Result<size_t> Read(int fd, std::span<uint8_t> buf) {
  const auto n =
      RetryOnEintr([&] { return ::read(fd, buf.data(), buf.size()); });
  return SizeResult(n, "read");
}

Result<size_t> RecvTrunc(int fd, std::span<uint8_t> buf) {
  const auto n = RetryOnEintr([&] {
    return ::recv(fd, buf.data(), buf.size(), MSG_TRUNC | MSG_DONTWAIT);
  });
  return SizeResult(n, "recv");
}

Result<size_t> Write(int fd, std::span<const uint8_t> buf) {
  const auto n =
      RetryOnEintr([&] { return ::write(fd, buf.data(), buf.size()); });
  return SizeResult(n, "write");
}

Result<size_t> Writev(int fd, std::span<const iovec> iov) {
  const auto n = RetryOnEintr(
      [&] { return ::writev(fd, iov.data(), static_cast<int>(iov.size())); });
  return SizeResult(n, "writev");
}

Result<size_t> SendMsg(int fd, std::span<const iovec> iov) {
  msghdr m{};
  m.msg_iov = const_cast<iovec*>(iov.data());
  m.msg_iovlen = iov.size();
  const auto n = RetryOnEintr(
      [&] { return ::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL); });
  return SizeResult(n, "sendmsg");
}

Result<size_t> WritevNoSigpipe(int fd, std::span<const iovec> iov) {
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigemptyset(&pending);
  ::sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  const auto n = RetryOnEintr(
      [&] { return ::writev(fd, iov.data(), static_cast<int>(iov.size())); });
  const int err = errno;
  if (n < 0 && err == EPIPE && !was_pending) {
    // The write raised SIGPIPE at this thread; take it back before
    // unblocking, so it is never delivered.
    const timespec zero{};
    RetryOnEintr([&] { return ::sigtimedwait(&pipe_set, nullptr, &zero); });
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = err;
  return SizeResult(n, "writev");
}

Result<size_t> RecvMmsg(int fd, std::span<mmsghdr> msgs) {
  const auto n = RetryOnEintr([&] {
    return ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(msgs.size()),
                      MSG_DONTWAIT, nullptr);
  });
  return SizeResult(n, "recvmmsg");
}

Result<size_t> SendMmsg(int fd, std::span<mmsghdr> msgs) {
  const auto n = RetryOnEintr([&] {
    return ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(msgs.size()),
                      MSG_DONTWAIT | MSG_NOSIGNAL);
  });
  return SizeResult(n, "sendmmsg");
}

Result<PollResult> PollTwo(int fd, int stop_fd, int timeout_ms) {
  pollfd fds[2] = {{fd, POLLIN | POLLRDHUP, 0}, {stop_fd, POLLIN, 0}};
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout_ms >= 0) {
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
    tsp = &ts;
  }
  const auto n = RetryOnEintr([&] { return ::ppoll(fds, 2, tsp, nullptr); });
  if (n < 0) return Error::FromErrno(errno, "ppoll");
  PollResult r;
  r.fd_readable = (fds[0].revents & POLLIN) != 0;
  r.fd_hangup = (fds[0].revents & (POLLHUP | POLLRDHUP)) != 0;
  r.fd_error = (fds[0].revents & (POLLERR | POLLNVAL)) != 0;
  r.stop = (fds[1].revents & POLLIN) != 0;
  return r;
}

Result<bool> WaitWritable(int fd, int timeout_ms) {
  pollfd p{fd, POLLOUT, 0};
  const auto n = RetryOnEintr([&] { return ::poll(&p, 1, timeout_ms); });
  if (n < 0) return Error::FromErrno(errno, "poll");
  return n > 0;
}

Result<UniqueFd> EventFd() {
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return Error::FromErrno(errno, "eventfd");
  return UniqueFd(fd);
}

Result<void> EventFdSignal(int efd) {
  uint64_t one = 1;
  const auto n = RetryOnEintr([&] { return ::write(efd, &one, sizeof(one)); });
  if (n < 0) return Error::FromErrno(errno, "eventfd write");
  return Ok();
}

Result<UniqueFd> DupFd(int fd) {
  int d = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) return Error::FromErrno(errno, "fcntl(F_DUPFD_CLOEXEC)");
  return UniqueFd(d);
}

size_t PageSize() {
  const long p = ::sysconf(_SC_PAGESIZE);
  return p > 0 ? static_cast<size_t>(p) : 4096;
}

Result<void> SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return Error::FromErrno(errno, "fcntl(F_GETFL)");
  if ((flags & O_NONBLOCK) == 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return Error::FromErrno(errno, "fcntl(F_SETFL)");
  return Ok();
}

Result<bool> IsSocket(int fd) {
  struct stat st;
  if (::fstat(fd, &st) < 0) return Error::FromErrno(errno, "fstat");
  return S_ISSOCK(st.st_mode);
}

Result<bool> IsFifo(int fd) {
  struct stat st;
  if (::fstat(fd, &st) < 0) return Error::FromErrno(errno, "fstat");
  return S_ISFIFO(st.st_mode);
}

Result<bool> AtEndOfRecords(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  const auto n = RetryOnEintr([&] { return ::poll(&p, 1, 0); });
  if (n < 0) return Error::FromErrno(errno, "poll");
  if ((p.revents & (POLLHUP | POLLRDHUP)) == 0) return false;
  int queued = 0;
  if (::ioctl(fd, SIOCINQ, &queued) < 0)
    return Error::FromErrno(errno, "ioctl(SIOCINQ)");
  return queued == 0;
}

Result<int> SocketType(int fd) {
  int type = 0;
  socklen_t len = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
    return Error::FromErrno(errno, "getsockopt(SO_TYPE)");
  return type;
}

unsigned HardwareConcurrency() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

Result<std::vector<int>> ThreadCpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof(set), &set) != 0)
    return Error::FromErrno(errno, "sched_getaffinity");
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

Result<void> SetThreadCpus(std::span<const int> cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    if (c < 0 || c >= CPU_SETSIZE)
      return Error{Errc::kInvalidArgument, 0, "SetThreadCpus: no such CPU"};
    CPU_SET(c, &set);
  }
  if (CPU_COUNT(&set) == 0)
    return Error{Errc::kInvalidArgument, 0, "SetThreadCpus: no CPU given"};
  if (::sched_setaffinity(0, sizeof(set), &set) != 0)
    return Error::FromErrno(errno, "sched_setaffinity");
  return Ok();
}

Result<UniqueFd> UdpSocket(int family) {
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::FromErrno(errno, "socket(SOCK_DGRAM)");
  return UniqueFd(fd);
}

Result<size_t> CountOpenFds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return Error::FromErrno(errno, "opendir(/proc/self/fd)");
  size_t n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // The directory stream's own fd.
}

Result<bool> IsPacketSocket(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    return Error::FromErrno(errno, "getsockname");
  return ss.ss_family == AF_PACKET;
}

Result<void> SocketPair(int type, UniqueFd* a, UniqueFd* b) {
  int sv[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
    return Error::FromErrno(errno, "socketpair");
  a->reset(sv[0]);
  b->reset(sv[1]);
  return Ok();
}

Result<void> SetSocketBuffers(int fd, int bytes) {
  for (int opt : {SO_SNDBUF, SO_RCVBUF}) {
    int force = opt == SO_SNDBUF ? SO_SNDBUFFORCE : SO_RCVBUFFORCE;
    if (::setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof(bytes)) < 0 &&
        ::setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes)) < 0)
      return Error::FromErrno(errno, "setsockopt(SO_*BUF)");
  }
  return Ok();
}

Result<size_t> Poll(std::span<pollfd> fds, int timeout_ms) {
  const int n = ::poll(fds.data(), fds.size(), timeout_ms);
  if (n < 0 && errno == EINTR) return size_t{0};
  return SizeResult(n, "poll");
}

Result<UniqueFd> ConnectedUdp(const sockaddr* addr, socklen_t len) {
  Result<UniqueFd> s = UdpSocket(addr->sa_family);
  if (!s) return s;
  if (::connect(s->get(), addr, len) != 0)
    return Error::FromErrno(errno, "connect(UDP)");
  return s;
}

}  // namespace fdlink::sys
