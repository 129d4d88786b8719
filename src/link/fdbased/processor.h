// Processor: a thread that delivers one share of a channel's packets, and the
// queue that feeds it.
#ifndef FDLINK_SRC_LINK_FDBASED_PROCESSOR_H_
#define FDLINK_SRC_LINK_FDBASED_PROCESSOR_H_

#include <cstddef>
#include <vector>

#include "fdlink/base/mutex.h"
#include "fdlink/buffer/packet_buffer.h"

namespace fdlink::fdbased {

// ProcessorQueue carries packets from a receive loop (the only producer) to
// one processor thread (the only consumer). It is bounded: a full queue makes
// the loop wait, so a fast sender is slowed rather than dropped; a stop wakes
// both sides at once. Wake-ups are batched: a sleeping consumer is woken once
// kWakeBatch packets wait, or when the producer calls Wake() (which the loop
// does before it sleeps), so a flood costs one futex wake per batch rather
// than one per packet, and a lone packet is not held back.
class ProcessorQueue {
 public:
  static constexpr size_t kCapacity = 1024;
  static constexpr size_t kWakeBatch = 32;

  ProcessorQueue();

  // Push queues pkt, waiting while the queue is full. Returns false (and
  // drops pkt) once Stop() was called.
  bool Push(PacketBufferPtr pkt) EXCLUDES(mu_);
  // Wake wakes a sleeping consumer if packets wait for it. The producer
  // calls it before it waits for input.
  void Wake() EXCLUDES(mu_);
  // TakeAll waits for packets and swaps them into *out (which must be
  // empty). Returns false when the processor should exit: after Stop(), or
  // after Finish() once the queue is drained.
  bool TakeAll(std::vector<PacketBufferPtr>* out) EXCLUDES(mu_);
  // Finish: no more packets will come (the loop ended); drain, then exit.
  void Finish() EXCLUDES(mu_);
  // Stop: exit now; queued packets are dropped (released).
  void Stop() EXCLUDES(mu_);

 private:
  // WakeLocked wakes the consumer if it sleeps and was not woken already.
  void WakeLocked() REQUIRES(mu_);

  Mutex mu_{"fdbased.ProcessorQueue.mu"};
  CondVar nonempty_;
  CondVar nonfull_;
  std::vector<PacketBufferPtr> q_ GUARDED_BY(mu_);
  bool finishing_ GUARDED_BY(mu_) = false;
  bool stopped_ GUARDED_BY(mu_) = false;
  bool consumer_waiting_ GUARDED_BY(mu_) = false;
  bool wake_pending_ GUARDED_BY(mu_) = false;  // Woken, not yet running.
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_PROCESSOR_H_
