// The bench's output: a human table (default) or one JSON object per line.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_REPORT_H_
#define FDLINK_TOOLS_FDLINK_BENCH_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "bench/measure.h"
#include "bench/options.h"
#include "bench/receiver.h"

namespace fdlink::tool {

// BenchCase names one case: fd kind, receive mode, packet size.
struct BenchCase {
  BenchKind kind = BenchKind::kSeqpacket;
  fdbased::PacketDispatchMode mode = fdbased::PacketDispatchMode::kReadv;
  size_t size = 64;
};

// BenchReport prints results as they come. Not thread-safe.
class BenchReport {
 public:
  // json selects JSON lines; allocs_counted false prints allocations as
  // null ("-" in the table).
  BenchReport(bool json, bool allocs_counted)
      : json_(json), allocs_counted_(allocs_counted) {}

  // Throughput prints one line for `impl` ("limit" or "fdlink");
  // `ratio_to_limit`, when set, is printed with it, and so is `detach`,
  // when not null: the endpoint's detach latency under a flood and how late
  // after the detach began the last packet was delivered (in the table, on
  // a line of its own).
  void Throughput(const BenchCase& c, std::string_view impl,
                  uint32_t processors, const RunSample& s,
                  std::optional<double> ratio_to_limit, DetachStats* detach);
  // Note prints a remark (stderr in JSON mode, so stdout stays JSON).
  void Note(std::string_view text);

 private:
  const bool json_;
  const bool allocs_counted_;
  bool throughput_header_ = false;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_REPORT_H_
