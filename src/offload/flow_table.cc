#include "offload/flow_table.h"

namespace fdlink::offload::internal {

void FlowTable::Reset() {
  live_ = 0;
  if (++stamp_ == 0) {
    // The stamp wrapped: old slots could look live. Clear them once.
    for (FlowState& s : slots_) s.stamp = 0;
    stamp_ = 1;
  }
}

FlowState* FlowTable::FindOrAdd(const FlowKey& key, uint32_t hash) {
  const size_t mask = kCapacity - 1;
  for (size_t i = 0, at = hash & mask; i < kCapacity;
       ++i, at = (at + 1) & mask) {
    FlowState& s = slots_[at];
    if (s.stamp != stamp_) {
      if (live_ >= kMaxFlows) return nullptr;
      ++live_;
      s.stamp = stamp_;
      s.key = key;
      s.group = kNoGroup;
      return &s;
    }
    if (s.key == key) return &s;
  }
  return nullptr;
}

}  // namespace fdlink::offload::internal
