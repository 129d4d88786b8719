// The bench's output: a human table (default) or one JSON object per line.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_REPORT_H_
#define FDLINK_TOOLS_FDLINK_BENCH_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
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

// RowInfo names one row's receiver: impl ("limit" or "fdlink"), its
// processor count, the TUN_F_* offloads on its fd and, for fdlink, what its
// dispatcher takes.
struct RowInfo {
  std::string_view impl;
  uint32_t processors = 1;
  uint32_t offloads = 0;
  bool vnet_header = false;
  DeliveryKind delivery = DeliveryKind::kWire;
  // gro: the endpoint's receive GRO was on (fdlink rows of the GRO case).
  bool gro = false;
  // mode, when set, is the row's receive mode where it differs from the
  // case's (the veth case's recvmmsg rows next to packet_mmap).
  std::optional<fdbased::PacketDispatchMode> mode = std::nullopt;
};

// RowRatios are a row's ratios (medians of per-round ratios), when set.
struct RowRatios {
  std::optional<double> to_limit;
  std::optional<double> to_no_offload;  // To fdlink without offload.
  std::optional<double> to_per_packet;  // Transmit: to one write() a packet.
  // To fdlink's recvmmsg mode on the same kind of link (the veth case;
  // printed with an "r" in the table's last column).
  std::optional<double> to_recvmmsg;
  // To the same fdlink row without the capture wrapper (the sniffed row;
  // printed with a "u").
  std::optional<double> to_unwrapped;
};

// OffloadName spells the TUN_F_* bits for the `offload` field:
// "none" without a virtio-net header, "vnet" with one and no bits, else
// the bits joined by "|" ("csum|tso4|tso6|uso4|uso6").
std::string OffloadName(bool vnet_header, uint32_t offloads);

// BenchReport prints results as they come. Not thread-safe.
class BenchReport {
 public:
  // json selects JSON lines; allocs_counted false prints allocations as
  // null ("-" in the table).
  BenchReport(bool json, bool allocs_counted)
      : json_(json), allocs_counted_(allocs_counted) {}

  // Throughput prints one line for the row `row`; the ratios that are set
  // are printed with it, and so is `detach`, when not null: the endpoint's
  // detach latency under a flood and how late after the detach began the
  // last packet was delivered (in the table, on a line of its own).
  void Throughput(const BenchCase& c, const RowInfo& row, const RunSample& s,
                  const RowRatios& ratios, DetachStats* detach);
  // Note prints a remark (stderr in JSON mode, so stdout stays JSON).
  void Note(std::string_view text);

 private:
  const bool json_;
  const bool allocs_counted_;
  bool throughput_header_ = false;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_REPORT_H_
