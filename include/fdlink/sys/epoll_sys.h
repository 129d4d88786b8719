// epoll_sys: thin wrappers for epoll(7), for waits that poll(2) cannot
// express (an edge-triggered wait for new data on a socket that stays
// readable). Descriptor arguments are borrowed for the duration of a call.
#ifndef FDLINK_SYS_EPOLL_SYS_H_
#define FDLINK_SYS_EPOLL_SYS_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::sys {

// EpollCreate creates a close-on-exec epoll instance.
Result<UniqueFd> EpollCreate();

// EpollAdd registers fd on epfd for readability, edge-triggered when
// `edge` (reported once per wake-up of fd rather than while readable),
// with `tag` reported back by EpollWait.
Result<void> EpollAdd(int epfd, int fd, bool edge, uint64_t tag);

// EpollInterest is what EpollWatch asks to be told about: a bit set of
// kEpollIn (readable or read side hung up) and kEpollOut (writable, or a
// connect finished). Level-triggered.
inline constexpr uint32_t kEpollIn = 1;
inline constexpr uint32_t kEpollOut = 2;

// EpollWatch adds fd to epfd with `interest` and `tag`; EpollModify
// changes a registered fd's interest (and tag); EpollRemove takes it out
// (closing an fd also removes it once no duplicate is open).
Result<void> EpollWatch(int epfd, int fd, uint32_t interest, uint64_t tag);
Result<void> EpollModify(int epfd, int fd, uint32_t interest, uint64_t tag);
Result<void> EpollRemove(int epfd, int fd);

// EpollEvent is one readiness report: the tag given to EpollAdd and
// whether fd was readable, writable, hung up or in error.
struct EpollEvent {
  uint64_t tag = 0;
  bool readable = false;
  bool writable = false;
  bool hangup = false;  // EPOLLHUP or EPOLLRDHUP.
  bool error = false;   // EPOLLERR.
};

// EpollWait waits at most `timeout_ms` (-1: forever) for events on epfd and
// fills up to out.size() of them; returns how many (0 on timeout). EINTR is
// retried.
Result<size_t> EpollWait(int epfd, std::span<EpollEvent> out, int timeout_ms);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_EPOLL_SYS_H_
