// The `fdlink serve` subcommand's entry point.
#ifndef FDLINK_TOOLS_FDLINK_SERVE_RUN_H_
#define FDLINK_TOOLS_FDLINK_SERVE_RUN_H_

#include "serve/options.h"

namespace fdlink::tool {

// RunServe serves until SIGINT/SIGTERM, until the peer of --fd hangs up, or
// until the link goes away (interface deleted, fd error); then detaches,
// prints the counters and returns the exit status: 0 after a signal or a
// peer hang-up, 1 when the link went away or failed to open, 2 for bad
// arguments. A TUN/TAP device that another process holds, or an interface
// another fdlink serves through AF_PACKET, is refused (naming the holder)
// unless opts.join.
int RunServe(const ServeOptions& opts);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_SERVE_RUN_H_
