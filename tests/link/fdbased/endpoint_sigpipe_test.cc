// Writing to a pipe or stream socket whose reader is gone is an EPIPE error,
// not a SIGPIPE that kills the process, and the caller's signal state is
// left as it was.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/link/fdbased/injectable.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

PacketBufferPtr Packet() {
  return PacketBuffer::Create(
      {.reserve_header_bytes = 0,
       .payload = testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1, 2, 10)});
}

bool SigpipeBlocked() {
  sigset_t cur;
  pthread_sigmask(SIG_SETMASK, nullptr, &cur);
  return sigismember(&cur, SIGPIPE) == 1;
}

bool SigpipePending() {
  sigset_t p;
  sigpending(&p);
  return sigismember(&p, SIGPIPE) == 1;
}

// ReaderlessPipe returns the write end of a pipe whose read end is closed.
UniqueFd ReaderlessPipe() {
  int p[2];
  EXPECT_EQ(::pipe(p), 0);
  ::close(p[0]);
  return UniqueFd(p[1]);
}

// ExpectEpipeWithoutSignal writes one packet through an endpoint on `fd`,
// whose reader is closed, with SIGPIPE at its default (fatal) action.
void ExpectEpipeWithoutSignal(Options o) {
  struct sigaction dfl {
  }, old{};
  dfl.sa_handler = SIG_DFL;
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &old), 0);
  auto ep = testing::MustCreateEndpoint(std::move(o));
  PacketBufferPtr p = Packet();
  Result<size_t> n = ep->WritePackets(std::span(&p, 1));
  // Still alive: the write did not raise a fatal SIGPIPE.
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kConnectionReset);
  EXPECT_EQ(ep->Counters(0).tx_errors, 1u);
  EXPECT_FALSE(SigpipeBlocked());
  EXPECT_FALSE(SigpipePending());
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(EndpointSigpipe, PipeWithoutReaderIsEpipe) {
  UniqueFd w = ReaderlessPipe();
  Options o;
  o.fds = {w.get()};
  ExpectEpipeWithoutSignal(std::move(o));
}

TEST(EndpointSigpipe, StreamSocketWithoutPeerIsEpipe) {
  // A header cap of 1 byte sends every packet through the one-by-one path.
  testing::SocketPairs sp(1, SOCK_STREAM);
  sp.peers[0].reset();
  Options o;
  o.fds = sp.ours();
  o.max_syscall_header_bytes = 1;
  ExpectEpipeWithoutSignal(std::move(o));
}

TEST(EndpointSigpipe, InjectableOutboundToPipeWithoutReaderIsEpipe) {
  struct sigaction dfl {
  }, old{};
  dfl.sa_handler = SIG_DFL;
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &old), 0);
  UniqueFd w = ReaderlessPipe();
  auto ep = std::move(InjectableEndpoint::Create(w.get(), 1500, 0)).value();
  const std::vector<uint8_t> bytes = testing::Pattern(40);
  Result<size_t> n = ep->InjectOutbound(bytes);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kConnectionReset);
  EXPECT_FALSE(SigpipePending());
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(EndpointSigpipe, AlreadyPendingSigpipeStaysPending) {
  // A SIGPIPE the caller had pending (blocked) before the write is theirs:
  // the endpoint must not swallow it.
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &pipe_set, &old), 0);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGPIPE), 0);
  ASSERT_TRUE(SigpipePending());
  UniqueFd w = ReaderlessPipe();
  Options o;
  o.fds = {w.get()};
  auto ep = testing::MustCreateEndpoint(std::move(o));
  PacketBufferPtr pkt = Packet();
  EXPECT_FALSE(ep->WritePackets(std::span(&pkt, 1)).has_value());
  EXPECT_TRUE(SigpipePending());
  EXPECT_TRUE(SigpipeBlocked());
  const timespec zero{};
  EXPECT_EQ(sigtimedwait(&pipe_set, nullptr, &zero), SIGPIPE);
  EXPECT_FALSE(SigpipePending());
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace
}  // namespace fdlink::fdbased
