// The `fdlink demo` subcommand's two modes.
#ifndef FDLINK_TOOLS_FDLINK_DEMO_RUN_H_
#define FDLINK_TOOLS_FDLINK_DEMO_RUN_H_

#include "demo/options.h"

namespace fdlink::tool {

// RunSocketpairDemo runs the demo over socketpairs with the built-in
// traffic generator; returns the exit status (0 only if every check held).
int RunSocketpairDemo(const DemoOptions& opts);

// RunTunDemo runs the demo over a TUN device in a private network namespace
// with the Linux kernel as the peer (needs root); returns the exit status:
// 0 only if every check held, 130 when interrupted by SIGINT/SIGTERM.
int RunTunDemo(const DemoOptions& opts);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_DEMO_RUN_H_
