#include "testing/dispatch_modes.h"

#include <string_view>

#include "fdlink/sys/uring_sys.h"

namespace fdlink::testing {

using fdbased::PacketDispatchMode;

std::vector<PacketDispatchMode> ModesFor(FdKind kind) {
  switch (kind) {
    case FdKind::kSocketpair:
      return {PacketDispatchMode::kReadv, PacketDispatchMode::kRecvMMsg,
              PacketDispatchMode::kIoUring};
    case FdKind::kNonSocket:
      return {PacketDispatchMode::kReadv, PacketDispatchMode::kIoUring};
    case FdKind::kPacketSocket:
      break;
  }
  // io_uring on AF_PACKET falls back to readv (no PACKET_AUXDATA through
  // multishot recv); uring_rx_test checks that fallback and its reason.
  return {PacketDispatchMode::kReadv, PacketDispatchMode::kRecvMMsg,
          PacketDispatchMode::kPacketMmap};
}

std::string ModeParamName(
    const ::testing::TestParamInfo<PacketDispatchMode>& info) {
  switch (info.param) {
    case PacketDispatchMode::kRecvMMsg:
      return "RecvMMsg";
    case PacketDispatchMode::kPacketMmap:
      return "PacketMmap";
    case PacketDispatchMode::kIoUring:
      return "IoUring";
    case PacketDispatchMode::kReadv:
      break;
  }
  return "Readv";
}

namespace {

// UringCannotRun: the kernel lacks what the io_uring mode needs on any fd
// (a ring, and a multishot receive of some kind).
bool UringCannotRun() {
  const sys::UringSupport& u = sys::ProbeUring();
  return !u.ring || !(u.recv || u.read_multishot);
}

}  // namespace

::testing::AssertionResult ModeInEffect(const fdbased::Endpoint& ep,
                                        PacketDispatchMode requested) {
  const PacketDispatchMode used = ep.DispatchModeInUse();
  const std::string_view why = ep.DispatchModeFallback();
  if (used == requested && why.empty()) return ::testing::AssertionSuccess();
  if (requested == PacketDispatchMode::kIoUring &&
      used == PacketDispatchMode::kReadv && !why.empty() && UringCannotRun()) {
    return ::testing::AssertionSuccess() << "io_uring fell back: " << why;
  }
  return ::testing::AssertionFailure()
         << "asked for " << fdbased::DispatchModeName(requested)
         << ", the loops use " << fdbased::DispatchModeName(used)
         << " (fallback: '" << why << "')";
}

}  // namespace fdlink::testing
