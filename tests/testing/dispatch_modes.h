// The receive modes an endpoint behaviour test runs in, by the kind of fd
// it runs on, and the check that the mode asked for is the one in effect
// (so a silent fallback fails the test instead of hiding in it).
#ifndef FDLINK_TESTS_TESTING_DISPATCH_MODES_H_
#define FDLINK_TESTS_TESTING_DISPATCH_MODES_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/link/fdbased/options.h"

namespace fdlink::testing {

// FdKind is what a test hands the endpoint.
enum class FdKind {
  kSocketpair,    // AF_UNIX socketpairs (SOCK_SEQPACKET or SOCK_DGRAM).
  kNonSocket,     // TUN, TAP and other pollable non-socket fds (pipes).
  kPacketSocket,  // AF_PACKET sockets.
};

// ModesFor lists the modes that apply to fds of `kind`, readv first:
// socketpair: readv, recvmmsg, io_uring; non-socket: readv, io_uring;
// AF_PACKET: readv, recvmmsg, packet_mmap (io_uring falls back there).
std::vector<fdbased::PacketDispatchMode> ModesFor(FdKind kind);

// ModesOf instantiates a suite parameterised by PacketDispatchMode over
// ModesFor(kind): INSTANTIATE_TEST_SUITE_P(Modes, Suite, ModesOf(kind),
// ModeParamName).
inline auto ModesOf(FdKind kind) { return ::testing::ValuesIn(ModesFor(kind)); }

// ModeParamName names an instance after its mode ("Readv", "RecvMMsg",
// "PacketMmap", "IoUring").
std::string ModeParamName(
    const ::testing::TestParamInfo<fdbased::PacketDispatchMode>& info);

// ModeInEffect succeeds when `ep`, created asking for `requested` on fds of
// a kind that mode applies to, uses it: the mode in use equals `requested`
// with no fallback reason. The one exception is io_uring where it cannot
// run: readv is then expected, with the reason, and only while the
// kernel's probe (sys::ProbeUring) lacks what the mode needs. On this
// project's kernels (6.18) that makes the check exact: io_uring must be in
// use.
::testing::AssertionResult ModeInEffect(const fdbased::Endpoint& ep,
                                        fdbased::PacketDispatchMode requested);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_DISPATCH_MODES_H_
