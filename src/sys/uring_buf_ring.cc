#include "fdlink/sys/uring_buf_ring.h"

#include <liburing.h>

namespace fdlink::sys {
namespace {

io_uring_buf_ring* Ring(void* mem) {
  return static_cast<io_uring_buf_ring*>(mem);
}

}  // namespace

Result<std::unique_ptr<UringBufRing>> UringBufRing::Create(unsigned entries) {
  if (entries == 0 || entries > kMaxEntries || (entries & (entries - 1)) != 0)
    return Error{Errc::kInvalidArgument, 0,
                 "io_uring buffer ring: the slot count must be a power of "
                 "two in 1..32768"};
  Result<AnonMapping> map = AnonMapping::Map(entries * sizeof(io_uring_buf));
  if (!map) return map.error();
  io_uring_buf_ring_init(Ring(map->data()));
  return std::unique_ptr<UringBufRing>(
      new UringBufRing(std::move(*map), entries));
}

void UringBufRing::Add(uint16_t bid, void* addr, uint32_t len) {
  io_uring_buf_ring_add(Ring(map_.data()), addr, len, bid,
                        io_uring_buf_ring_mask(entries_),
                        static_cast<int>(staged_));
  ++staged_;
}

void UringBufRing::Publish() {
  if (staged_ == 0) return;
  io_uring_buf_ring_advance(Ring(map_.data()), static_cast<int>(staged_));
  staged_ = 0;
}

}  // namespace fdlink::sys
