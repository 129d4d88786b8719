// LatencyStats: collects durations and reports percentiles (demo, torture
// and bench all report detach latency this way).
#ifndef FDLINK_TOOLS_FDLINK_COMMON_LATENCY_H_
#define FDLINK_TOOLS_FDLINK_COMMON_LATENCY_H_

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace fdlink::tool {

// LatencyStats holds samples in microseconds. Not thread-safe.
class LatencyStats {
 public:
  void Add(std::chrono::nanoseconds d) {
    us_.push_back(static_cast<double>(d.count()) / 1000.0);
    sorted_ = false;
  }
  size_t count() const { return us_.size(); }
  // Percentile returns the p-th percentile (0..100) in microseconds, 0 when
  // empty (nearest-rank).
  double Percentile(double p) {
    if (us_.empty()) return 0;
    if (!sorted_) {
      std::sort(us_.begin(), us_.end());
      sorted_ = true;
    }
    size_t rank =
        static_cast<size_t>(p / 100.0 * static_cast<double>(us_.size()));
    if (rank >= us_.size()) rank = us_.size() - 1;
    return us_[rank];
  }
  double Max() { return Percentile(100); }

 private:
  std::vector<double> us_;
  bool sorted_ = true;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_LATENCY_H_
