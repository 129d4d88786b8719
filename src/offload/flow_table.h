// FlowTable: the coalescer's per-batch table of open flows, fixed-size and
// reused from batch to batch (a generation stamp empties it in O(1)).
#ifndef FDLINK_SRC_OFFLOAD_FLOW_TABLE_H_
#define FDLINK_SRC_OFFLOAD_FLOW_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fdlink/offload/coalesce.h"
#include "offload/segment_info.h"

namespace fdlink::offload {
namespace internal {

// kNoGroup marks a flow without an open group, and the end of a member
// chain.
inline constexpr uint32_t kNoGroup = 0xffffffffu;

// FlowState is one flow of the current batch: the group that may still
// grow (the flow's most recent one) and what a packet must match to join.
struct FlowState {
  uint32_t stamp = 0;  // Batch generation this slot belongs to.
  FlowKey key;
  uint32_t group = kNoGroup;  // Index into the plan's groups, or none.
  uint32_t tail = 0;          // Last member's packet index.
  uint32_t next_seq = 0;      // TCP: the seq the next segment must carry.
  SegmentInfo head;           // The group's first packet.
};

// FlowTable maps flow keys to FlowState with open addressing. Capacity is
// fixed at construction. Not thread-safe.
class FlowTable {
 public:
  // kCapacity slots; at most kMaxFlows live in one batch (the rest are
  // refused, and their packets stay alone).
  static constexpr size_t kCapacity = 256;
  static constexpr size_t kMaxFlows = kCapacity * 3 / 4;

  FlowTable() : slots_(kCapacity) {}

  // Reset empties the table for a new batch.
  void Reset();
  // FindOrAdd returns the slot of `key`, adding an empty one (group ==
  // kNoGroup) if absent; null when the batch already has kMaxFlows flows.
  FlowState* FindOrAdd(const FlowKey& key, uint32_t hash);

 private:
  std::vector<FlowState> slots_;
  uint32_t stamp_ = 0;
  size_t live_ = 0;
};

}  // namespace internal

// CoalesceScratch is Coalescer's reusable state: the flow table, the per
// packet member chain and the inspected packet.
struct CoalesceScratch {
  internal::FlowTable flows;
  std::vector<uint32_t> next;  // Next member of the same group, per packet.
  internal::SegmentInfo info;
};

}  // namespace fdlink::offload

#endif  // FDLINK_SRC_OFFLOAD_FLOW_TABLE_H_
