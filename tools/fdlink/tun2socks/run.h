// The `fdlink tun2socks` subcommand's entry point.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_RUN_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_RUN_H_

#include "tun2socks/options.h"

namespace fdlink::tool {

// RunTun2socks serves the TUN until SIGINT/SIGTERM, then resets every
// connection, detaches, prints the counters and returns the exit status:
// 0 after a signal, 1 when the TUN or the upstream could not be set up, 2
// for bad arguments (one line says which).
int RunTun2socks(const Tun2socksOptions& opts);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_RUN_H_
