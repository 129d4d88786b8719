// sys: thin, Result-returning wrappers over the Linux system calls fdlink
// uses. This layer is the only place in the library that calls the kernel.
// Every descriptor argument is borrowed for the duration of the call.
#ifndef FDLINK_SYS_SYSCALLS_H_
#define FDLINK_SYS_SYSCALLS_H_

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

struct mmsghdr;

namespace fdlink::sys {

// MakeIovec points an iovec at bytes the kernel will only read (the one
// place a const pointer is handed to the kernel's non-const field).
inline iovec MakeIovec(std::span<const uint8_t> b) {
  return iovec{const_cast<uint8_t*>(b.data()), b.size()};
}

// Close closes fd, ignoring EINTR (Linux always releases the descriptor).
void Close(int fd);

// Read reads up to buf.size() bytes. Returns the byte count; 0 means the peer
// closed; Errc::kWouldBlock when nothing is ready on a non-blocking fd.
Result<size_t> Read(int fd, std::span<uint8_t> buf);
// RecvTrunc is recv(2) with MSG_TRUNC|MSG_DONTWAIT: returns the datagram's
// real length, which may exceed buf.size() (the rest was discarded).
Result<size_t> RecvTrunc(int fd, std::span<uint8_t> buf);
// Write and Writev write once; a short count is returned as is.
Result<size_t> Write(int fd, std::span<const uint8_t> buf);
Result<size_t> Writev(int fd, std::span<const iovec> iov);
// SendMsg is sendmsg(2) of one message with MSG_DONTWAIT and MSG_NOSIGNAL
// (a closed peer is an EPIPE error, not a SIGPIPE).
Result<size_t> SendMsg(int fd, std::span<const iovec> iov);
// WritevNoSigpipe is Writev for a pipe or FIFO: SIGPIPE is blocked on the
// calling thread for the call, a SIGPIPE the write raised is consumed
// (sigtimedwait) unless one was already pending, and the mask is restored.
// Process-wide signal state is not touched; a closed reader is EPIPE.
Result<size_t> WritevNoSigpipe(int fd, std::span<const iovec> iov);
// RecvMmsg is recvmmsg(2) with MSG_DONTWAIT; returns messages received.
Result<size_t> RecvMmsg(int fd, std::span<mmsghdr> msgs);
// SendMmsg is sendmmsg(2) with MSG_DONTWAIT and MSG_NOSIGNAL (a closed
// stream peer is an EPIPE error, not a SIGPIPE); returns messages sent.
Result<size_t> SendMmsg(int fd, std::span<mmsghdr> msgs);

// PollResult says which of the two descriptors became ready.
struct PollResult {
  bool fd_readable = false;
  bool fd_hangup = false;  // POLLHUP or POLLRDHUP on the data fd.
  bool fd_error = false;   // POLLERR or POLLNVAL on the data fd.
  bool stop = false;       // The stop eventfd is readable.
};
// PollTwo waits in ppoll(2) for `fd` to be readable or `stop_fd` to be
// signalled, at most `timeout_ms` (-1: forever). EINTR is retried.
Result<PollResult> PollTwo(int fd, int stop_fd, int timeout_ms);
// AtEndOfRecords tells, after a zero-length read on a SOCK_SEQPACKET socket,
// end of stream from an empty record: true when the socket signals a
// hang-up (POLLHUP or POLLRDHUP, polled without waiting) and has no bytes
// queued (SIOCINQ), so records sent before the hang-up are still read.
Result<bool> AtEndOfRecords(int fd);
// WaitWritable waits until fd is writable or `timeout_ms` passes.
Result<bool> WaitWritable(int fd, int timeout_ms);

// EventFd creates a non-blocking, close-on-exec eventfd.
Result<UniqueFd> EventFd();
// EventFdSignal adds 1 to the eventfd counter (never blocks: the counter
// cannot overflow at one write per signal).
Result<void> EventFdSignal(int efd);

// SetNonBlocking sets O_NONBLOCK on fd.
Result<void> SetNonBlocking(int fd);
// IsSocket reports whether fd is a socket (fstat S_IFSOCK).
Result<bool> IsSocket(int fd);
// IsFifo reports whether fd is a pipe or FIFO (fstat S_IFIFO).
Result<bool> IsFifo(int fd);
// SocketType returns the SO_TYPE of a socket (SOCK_STREAM, SOCK_DGRAM, ...).
Result<int> SocketType(int fd);
// IsPacketSocket reports whether fd is an AF_PACKET socket.
Result<bool> IsPacketSocket(int fd);
// SocketPair creates a connected pair of the given type (SOCK_SEQPACKET,
// SOCK_DGRAM, SOCK_STREAM), close-on-exec.
Result<void> SocketPair(int type, UniqueFd* a, UniqueFd* b);
// DupFd duplicates fd (close-on-exec): the copy keeps the open file alive
// after the caller closes fd.
Result<UniqueFd> DupFd(int fd);
// PageSize is the system page size in bytes.
size_t PageSize();

// HardwareConcurrency is the number of CPUs this process may run on.
unsigned HardwareConcurrency();
// CountOpenFds counts the entries of /proc/self/fd (for leak checks).
Result<size_t> CountOpenFds();
// ThreadCpus lists the CPUs the calling thread may run on.
Result<std::vector<int>> ThreadCpus();
// SetThreadCpus restricts the calling thread (and the threads it creates
// afterwards, which inherit it) to `cpus`; kInvalidArgument when empty.
Result<void> SetThreadCpus(std::span<const int> cpus);
// UdpSocket opens a non-blocking, close-on-exec UDP socket of `family`
// (AF_INET or AF_INET6) in the calling thread's network namespace.
Result<UniqueFd> UdpSocket(int family);
// SetSocketBuffer sets SO_SNDBUF/SO_RCVBUF (forcing when privileged).
Result<void> SetSocketBuffers(int fd, int bytes);

// Poll waits up to `timeout_ms` (-1: no limit) for the events asked for in
// `fds` and returns how many have some; it sets each revents. A signal
// ends the wait early with 0 ready.
Result<size_t> Poll(std::span<pollfd> fds, int timeout_ms);

// ConnectedUdp opens a non-blocking UDP socket connected to `addr` (a
// sockaddr_in or sockaddr_in6 of `len` bytes), so Read and Write carry
// datagrams to and from that peer only.
Result<UniqueFd> ConnectedUdp(const sockaddr* addr, socklen_t len);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_SYSCALLS_H_
