// The `fdlink demo` subcommand's options.
#ifndef FDLINK_TOOLS_FDLINK_DEMO_OPTIONS_H_
#define FDLINK_TOOLS_FDLINK_DEMO_OPTIONS_H_

#include "common/offload_flags.h"
#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// DemoOptions are the demo's flags.
struct DemoOptions {
  double seconds = 3.0;
  int cycles = 4;  // Detach/re-attach cycles during the traffic.
  bool json = false;
  bool socketpair = false;  // Force the socketpair mode even as root.
  fdbased::PacketDispatchMode mode = fdbased::PacketDispatchMode::kReadv;
  OffloadSwitches offload;  // --no-offload, --no-gso, ...: all on by default.
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_DEMO_OPTIONS_H_
