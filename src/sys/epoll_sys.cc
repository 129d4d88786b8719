#include "fdlink/sys/epoll_sys.h"

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

#include "sys/retry_on_eintr.h"

namespace fdlink::sys {

Result<UniqueFd> EpollCreate() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return Error::FromErrno(errno, "epoll_create1");
  return UniqueFd(fd);
}

Result<void> EpollAdd(int epfd, int fd, bool edge, uint64_t tag) {
  epoll_event ev;
  std::memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN | EPOLLRDHUP | (edge ? EPOLLET : 0u);
  ev.data.u64 = tag;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    return Error::FromErrno(errno, "epoll_ctl(EPOLL_CTL_ADD)");
  return Ok();
}

namespace {

uint32_t EventsOf(uint32_t interest) {
  uint32_t ev = 0;
  if (interest & kEpollIn) ev |= EPOLLIN | EPOLLRDHUP;
  if (interest & kEpollOut) ev |= EPOLLOUT;
  return ev;
}

Result<void> Ctl(int epfd, int op, int fd, uint32_t interest, uint64_t tag,
                 const char* what) {
  epoll_event ev;
  std::memset(&ev, 0, sizeof(ev));
  ev.events = EventsOf(interest);
  ev.data.u64 = tag;
  if (::epoll_ctl(epfd, op, fd, &ev) < 0) return Error::FromErrno(errno, what);
  return Ok();
}

}  // namespace

Result<void> EpollWatch(int epfd, int fd, uint32_t interest, uint64_t tag) {
  return Ctl(epfd, EPOLL_CTL_ADD, fd, interest, tag,
             "epoll_ctl(EPOLL_CTL_ADD)");
}

Result<void> EpollModify(int epfd, int fd, uint32_t interest, uint64_t tag) {
  return Ctl(epfd, EPOLL_CTL_MOD, fd, interest, tag,
             "epoll_ctl(EPOLL_CTL_MOD)");
}

Result<void> EpollRemove(int epfd, int fd) {
  return Ctl(epfd, EPOLL_CTL_DEL, fd, 0, 0, "epoll_ctl(EPOLL_CTL_DEL)");
}

Result<size_t> EpollWait(int epfd, std::span<EpollEvent> out, int timeout_ms) {
  constexpr size_t kMax = 64;
  epoll_event evs[kMax];
  const int want = static_cast<int>(out.size() < kMax ? out.size() : kMax);
  const int n =
      RetryOnEintr([&] { return ::epoll_wait(epfd, evs, want, timeout_ms); });
  if (n < 0) return Error::FromErrno(errno, "epoll_wait");
  for (int i = 0; i < n; ++i) {
    out[i].tag = evs[i].data.u64;
    out[i].readable = (evs[i].events & EPOLLIN) != 0;
    out[i].writable = (evs[i].events & EPOLLOUT) != 0;
    out[i].hangup = (evs[i].events & (EPOLLHUP | EPOLLRDHUP)) != 0;
    out[i].error = (evs[i].events & EPOLLERR) != 0;
  }
  return static_cast<size_t>(n);
}

}  // namespace fdlink::sys
