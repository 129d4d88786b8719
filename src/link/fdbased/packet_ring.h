// PacketRing: one AF_PACKET socket's TPACKET_V2 receive ring, whose frames
// are lent to the stack where they lie and go back to the kernel when their
// last packet reference is released.
#ifndef FDLINK_SRC_LINK_FDBASED_PACKET_RING_H_
#define FDLINK_SRC_LINK_FDBASED_PACKET_RING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/chunk.h"
#include "fdlink/sys/packet_sys.h"
#include "fdlink/sys/unique_fd.h"
#include "link/fdbased/counted_ref.h"

namespace fdlink::fdbased {

struct RxFrame;
class PacketRing;

// RingRef is a counted reference to a PacketRing; every lent frame holds
// one too, so the ring and its mapping outlive every packet made from it.
using RingRef = CountedRef<PacketRing>;

// PacketRingShape is what a ring is sized from: the frames wanted and the
// largest frame the link may receive (virtio-net header, link header and
// network packet), and the virtio-net header size (bytes kept in front of
// the link header of each frame).
struct PacketRingShape {
  size_t frames = 0;
  size_t max_frame = 0;    // vnet_header + link header + largest packet.
  size_t link_header = 0;  // 0 or 14.
  size_t vnet_header = 0;  // 0 or 10.
};

// PacketRing owns a socket's receive ring: the mapping, one external Chunk
// per frame, a dup of the socket (so the ring can be removed after the
// endpoint and its borrowed fd are gone) and the wake-up machinery.
//
// Threading: TakeNext, WaitFd and ConsumeWakeups are called by one receive
// loop at a time (attachments follow one another; a thread start or join
// orders them). Frames are released from any thread, in any order
// (OnChunkReleased). The ring is freed by whichever thread drops its last
// reference.
class PacketRing final : public ChunkOwner {
 public:
  // kMaxBytes caps the mapping (frames times frame size).
  static constexpr size_t kMaxBytes = size_t{1} << 30;

  // Create sets up the ring on AF_PACKET socket `fd` (borrowed; dup'ed).
  // Errors: kInvalidArgument when the shape would exceed kMaxBytes, the
  // kernel's errno for a refused ring (EBUSY: another ring on the socket is
  // still mapped), eventfd/epoll failures.
  static Result<RingRef> Create(int fd, const PacketRingShape& shape);

  PacketRing(const PacketRing&) = delete;
  PacketRing& operator=(const PacketRing&) = delete;

  // Take says what TakeNext found at the ring's cursor.
  enum class Take {
    kFrame,  // *out holds the next frame (possibly an empty, dropped one).
    kEmpty,  // The kernel has not filled the next frame yet.
    kHeld,   // The next frame is still lent out: the ring has run dry
             // until it comes back (its release wakes WaitFd).
  };
  // TakeNext lends the frame at the cursor into *out (not null) and moves
  // on. *losing is set when the kernel reported dropping frames.
  Take TakeNext(RxFrame* out, bool* losing);

  // WaitFd is an epoll fd that becomes readable when the kernel fills a
  // frame or a held frame comes back (edge-triggered: once per event, not
  // while a frame waits). After it polls readable, call ConsumeWakeups.
  int WaitFd() const { return epoll_.get(); }
  // ConsumeWakeups takes the pending events off WaitFd without waiting and
  // reports whether the socket reported an error or hang-up.
  struct Wakeups {
    bool socket_error = false;
    bool socket_hangup = false;
  };
  Wakeups ConsumeWakeups();
  // SocketFd is the ring's own dup of the socket (for PACKET_STATISTICS).
  int SocketFd() const { return sock_.get(); }

  uint32_t frame_count() const { return layout_.frame_nr; }
  uint32_t frame_size() const { return layout_.frame_size; }
  // LentCount is the number of frames the stack holds now (for tests).
  int64_t LentCount() const;

  void OnChunkReleased(Chunk* c) override;

 private:
  struct Slot {
    uint8_t* frame = nullptr;
    std::unique_ptr<Chunk> chunk;
    // Lent: handed out and not yet back. Set by the loop, cleared (after
    // tp_status is the kernel's again) by the releasing thread.
    std::atomic<bool> lent{false};
  };

  PacketRing(UniqueFd sock, sys::PacketRxRingLayout layout,
             sys::PacketRxRingMapping map, size_t vnet_header, UniqueFd wake,
             UniqueFd epoll);
  ~PacketRing();

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref();
  friend class CountedRef<PacketRing>;
  // GiveBack hands slot s's frame to the kernel (release store).
  void GiveBack(Slot& s);
  size_t SlotOf(const Chunk* c) const;

  std::atomic<int64_t> refs_{1};
  const UniqueFd sock_;
  const sys::PacketRxRingLayout layout_;
  const sys::PacketRxRingMapping map_;
  const size_t vnet_header_;
  const UniqueFd wake_;   // eventfd: a held frame came back while starved.
  const UniqueFd epoll_;  // socket (edge) + wake_ (edge).
  std::unique_ptr<Slot[]> slots_;
  size_t cursor_ = 0;  // Loop only: the next frame in ring order.
  // Starved: the loop found the frame at the cursor lent and waits for it.
  std::atomic<bool> starved_{false};
};

// PacketRingLayoutFor computes the ring layout for `shape` on a system with
// `page_size` pages: frames of align16(header + vnet + largest packet)
// bytes, blocks of a whole number of pages holding at least 64 KiB, and at
// least shape.frames frames (rounded up to whole blocks).
sys::PacketRxRingLayout PacketRingLayoutFor(const PacketRingShape& shape,
                                            size_t page_size);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_PACKET_RING_H_
