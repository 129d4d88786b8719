// The `fdlink bench` subcommand's entry point.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_RUN_H_
#define FDLINK_TOOLS_FDLINK_BENCH_RUN_H_

#include "bench/options.h"

namespace fdlink::tool {

// RunBench runs every selected case and prints the report; returns the
// exit status: 0 when every run moved packets, 1 when one did not or when
// nothing was measured at all (every case skipped, e.g. --kind tun without
// root).
int RunBench(const BenchOptions& opts);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_RUN_H_
