// The `fdlink demo` subcommand: shared options and the two modes.
#ifndef FDLINK_TOOLS_FDLINK_DEMO_H_
#define FDLINK_TOOLS_FDLINK_DEMO_H_

#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// DemoOptions are the demo's flags.
struct DemoOptions {
  double seconds = 3.0;
  int cycles = 4;  // Detach/re-attach cycles during the traffic.
  bool json = false;
  bool socketpair = false;  // Force the socketpair mode even as root.
  fdbased::PacketDispatchMode mode = fdbased::PacketDispatchMode::kReadv;
};

// RunSocketpairDemo runs the demo over socketpairs with the built-in
// traffic generator; returns the exit status (0 only if every check held).
int RunSocketpairDemo(const DemoOptions& opts);

// RunTunDemo runs the demo over a TUN device in a private network namespace
// with the Linux kernel as the peer (needs root); returns the exit status:
// 0 only if every check held, 130 when interrupted by SIGINT/SIGTERM.
int RunTunDemo(const DemoOptions& opts);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_DEMO_H_
