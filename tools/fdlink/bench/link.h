// BenchLink: one benchmark run's medium — the descriptor the receiver under
// test reads, and the sender that floods it.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_LINK_H_
#define FDLINK_TOOLS_FDLINK_BENCH_LINK_H_

#include <cstddef>
#include <memory>

#include "bench/flood.h"
#include "bench/options.h"
#include "fdlink/base/result.h"

namespace fdlink::tool {

// BenchLink owns a receive descriptor and its flood. Destroying it stops
// the flood first, then closes everything (a TUN link also tears down its
// namespace).
class BenchLink {
 public:
  virtual ~BenchLink() = default;
  // rx_fd is the descriptor to receive on; borrowed, valid while the link
  // lives.
  virtual int rx_fd() const = 0;
  // flood is the sender (not yet started).
  virtual Flood& flood() = 0;
};

// OpenBenchLink builds a fresh link of `kind` whose flood sends `size`-byte
// IPv4/UDP packets: a socketpair (the flood writes the peer end, waiting
// for room rather than dropping) or, for kTun, a TUN device in a new
// network namespace fed by a UDP socket in that namespace (needs root).
Result<std::unique_ptr<BenchLink>> OpenBenchLink(BenchKind kind, size_t size);

// OpenTunLink is OpenBenchLink for kTun (bench_tun.cc).
Result<std::unique_ptr<BenchLink>> OpenTunLink(size_t size);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_LINK_H_
