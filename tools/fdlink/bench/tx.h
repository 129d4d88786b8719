// The transmit case (`--kind tun-tx`): fdlink writing into a TUN device in
// a private namespace, the kernel delivering what it reads to a UDP socket
// that counts it. Seven writers on the same kind of link, in one run: one
// write() per packet (the baseline), fdlink writing wire packets without
// offload (one writev each), fdlink writing 64 KB UDP super-packets (GSO,
// one write each), fdlink writing runs of one flow's wire packets that it
// coalesces, and fdlink in the io_uring mode writing batches of 1, 8 and 32
// wire packets (one io_uring_enter per batch).
#ifndef FDLINK_TOOLS_FDLINK_BENCH_TX_H_
#define FDLINK_TOOLS_FDLINK_BENCH_TX_H_

#include "bench/measure.h"
#include "bench/options.h"
#include "bench/report.h"

namespace fdlink::tool {

// RunTxCase measures the transmit case `c` (kind kTunTx, readv mode, `size`
// the wire packet size) `opts.rounds` times and prints one row per writer;
// false when something failed (reported as a note). Needs root.
bool RunTxCase(const BenchCase& c, const BenchOptions& opts,
               const RunPlan& plan, BenchReport& report);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_TX_H_
