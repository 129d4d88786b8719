#include "link/fdbased/packet_ring.h"

#include <linux/if_packet.h>

#include <cstddef>
#include <cstring>

#include "fdlink/sys/epoll_sys.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/packet_reader.h"

namespace fdlink::fdbased {
namespace {

constexpr uint64_t kSocketTag = 1;
constexpr uint64_t kWakeTag = 2;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Field reads a tpacket2_hdr field of frame `f` at `offset` (no struct
// cast: the frame is kernel-shared memory, read field by field).
template <typename T>
T Field(const uint8_t* f, size_t offset) {
  T v;
  std::memcpy(&v, f + offset, sizeof(v));
  return v;
}

std::atomic_ref<uint32_t> StatusOf(uint8_t* frame) {
  static_assert(offsetof(tpacket2_hdr, tp_status) == 0);
  // The frame starts a TPACKET_ALIGNMENT-aligned slot of a page-aligned
  // mapping, so the status word is aligned.
  return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(frame));
}

}  // namespace

sys::PacketRxRingLayout PacketRingLayoutFor(const PacketRingShape& shape,
                                            size_t page_size) {
  const size_t packet = shape.max_frame - shape.vnet_header - shape.link_header;
  const size_t frame =
      RoundUp(sys::TpacketV2DataOffset() + shape.vnet_header + packet,
              TPACKET_ALIGNMENT);
  const size_t block = RoundUp(frame > 65536 ? frame : 65536, page_size);
  const size_t per_block = block / frame;
  const size_t blocks = (shape.frames + per_block - 1) / per_block;
  sys::PacketRxRingLayout l;
  l.frame_size = static_cast<uint32_t>(frame);
  l.block_size = static_cast<uint32_t>(block);
  l.block_nr = static_cast<uint32_t>(blocks);
  l.frame_nr = static_cast<uint32_t>(blocks * per_block);
  return l;
}

Result<RingRef> PacketRing::Create(int fd, const PacketRingShape& shape) {
  const sys::PacketRxRingLayout layout =
      PacketRingLayoutFor(shape, sys::PageSize());
  if (static_cast<size_t>(layout.block_size) * layout.block_nr > kMaxBytes) {
    return Error{Errc::kInvalidArgument, 0,
                 "fdbased: Options.packet_mmap_frames times the frame size "
                 "exceeds the 1 GiB ring cap; ask for fewer frames"};
  }
  Result<UniqueFd> sock = sys::DupFd(fd);
  if (!sock) return sock.error();
  Result<UniqueFd> wake = sys::EventFd();
  if (!wake) return wake.error();
  Result<UniqueFd> ep = sys::EpollCreate();
  if (!ep) return ep.error();
  if (Result<void> r = sys::EpollAdd(ep->get(), sock->get(), true, kSocketTag);
      !r)
    return r.error();
  if (Result<void> r = sys::EpollAdd(ep->get(), wake->get(), true, kWakeTag);
      !r)
    return r.error();
  Result<sys::PacketRxRingMapping> map =
      sys::SetupPacketRxRing(sock->get(), layout);
  if (!map) return map.error();
  return RingRef::Adopt(new PacketRing(std::move(*sock), layout, *map,
                                       shape.vnet_header, std::move(*wake),
                                       std::move(*ep)));
}

PacketRing::PacketRing(UniqueFd sock, sys::PacketRxRingLayout layout,
                       sys::PacketRxRingMapping map, size_t vnet_header,
                       UniqueFd wake, UniqueFd epoll)
    : sock_(std::move(sock)),
      layout_(layout),
      map_(map),
      vnet_header_(vnet_header),
      wake_(std::move(wake)),
      epoll_(std::move(epoll)),
      slots_(new Slot[layout.frame_nr]) {
  const size_t per_block = layout_.block_size / layout_.frame_size;
  for (size_t i = 0; i < layout_.frame_nr; ++i) {
    uint8_t* f = map_.base + (i / per_block) * layout_.block_size +
                 (i % per_block) * layout_.frame_size;
    slots_[i].frame = f;
    slots_[i].chunk = Chunk::MakeExternal(f, layout_.frame_size, this);
  }
}

PacketRing::~PacketRing() {
  // No frame is lent (each holds a reference): the chunks go with slots_.
  sys::TeardownPacketRxRing(sock_.get(), map_);
}

void PacketRing::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete this;  // model: ring_unref.free
}

size_t PacketRing::SlotOf(const Chunk* c) const {
  const size_t off = static_cast<size_t>(c->data() - map_.base);
  const size_t per_block = layout_.block_size / layout_.frame_size;
  return (off / layout_.block_size) * per_block +
         (off % layout_.block_size) / layout_.frame_size;
}

void PacketRing::GiveBack(Slot& s) {
  // Release: the kernel may overwrite the frame once it sees this, so every
  // read of its bytes (on whichever thread) happens before.
  StatusOf(s.frame).store(TP_STATUS_KERNEL, std::memory_order_release);
}

PacketRing::Take PacketRing::TakeNext(RxFrame* out, bool* losing) {
  Slot& s = slots_[cursor_];
  if (s.lent.load(std::memory_order_seq_cst)) {
    // Dekker with OnChunkReleased: either it sees starved_ and wakes us,
    // or we see the frame back here.
    starved_.store(true, std::memory_order_seq_cst);
    if (s.lent.load(std::memory_order_seq_cst)) return Take::kHeld;
    starved_.store(false, std::memory_order_relaxed);
  }
  const uint32_t status = StatusOf(s.frame).load(std::memory_order_acquire);
  if ((status & TP_STATUS_USER) == 0) return Take::kEmpty;
  cursor_ = cursor_ + 1 == layout_.frame_nr ? 0 : cursor_ + 1;
  *losing = (status & TP_STATUS_LOSING) != 0;
  const uint32_t snaplen =
      Field<uint32_t>(s.frame, offsetof(tpacket2_hdr, tp_snaplen));
  const uint32_t len = Field<uint32_t>(s.frame, offsetof(tpacket2_hdr, tp_len));
  const uint16_t mac = Field<uint16_t>(s.frame, offsetof(tpacket2_hdr, tp_mac));
  out->checksum_trusted =
      (status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0;
  // A frame larger than a ring frame arrives cut short (tp_snaplen below
  // tp_len; TP_STATUS_COPY too with PACKET_COPY_THRESH, which we leave
  // off). It, and one whose offsets leave the frame, goes straight back,
  // reported as truncated.
  const bool fits = mac >= sizeof(tpacket2_hdr) + vnet_header_ &&
                    size_t{mac} + snaplen <= layout_.frame_size;
  if ((status & TP_STATUS_COPY) != 0 || snaplen < len || !fits) {
    out->bytes = View();
    out->truncated = true;
    GiveBack(s);
    return Take::kFrame;
  }
  s.lent.store(true, std::memory_order_relaxed);
  Ref();  // model: ring_take.ref (the frame's; OnChunkReleased drops it)
  out->bytes = View(ChunkRef::Lend(s.chunk.get()),
                    static_cast<uint32_t>(mac - vnet_header_),
                    static_cast<uint32_t>(snaplen + vnet_header_));
  out->truncated = false;
  return Take::kFrame;
}

void PacketRing::OnChunkReleased(Chunk* c) {
  Slot& s = slots_[SlotOf(c)];
  GiveBack(s);
  s.lent.store(false, std::memory_order_seq_cst);
  if (starved_.load(std::memory_order_seq_cst) &&
      starved_.exchange(false, std::memory_order_seq_cst)) {
    // Cannot fail short of a closed fd, and the ring keeps it open.
    (void)sys::EventFdSignal(wake_.get());
  }
  Unref();  // model: ring_release.unref (last touch: may free the ring)
}

PacketRing::Wakeups PacketRing::ConsumeWakeups() {
  Wakeups w;
  sys::EpollEvent evs[2];
  Result<size_t> n = sys::EpollWait(epoll_.get(), evs, 0);
  if (!n) return w;
  for (size_t i = 0; i < *n; ++i) {
    if (evs[i].tag != kSocketTag) continue;
    w.socket_error = evs[i].error;
    w.socket_hangup = evs[i].hangup;
  }
  return w;
}

int64_t PacketRing::LentCount() const {
  int64_t n = 0;
  for (size_t i = 0; i < layout_.frame_nr; ++i)
    n += slots_[i].lent.load(std::memory_order_relaxed) ? 1 : 0;
  return n;
}

}  // namespace fdlink::fdbased
