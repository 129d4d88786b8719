#include "link/fdbased/processor.h"

#include <utility>

namespace fdlink::fdbased {

ProcessorQueue::ProcessorQueue() {
  MutexLock l(&mu_);
  q_.reserve(kCapacity);
}

bool ProcessorQueue::Push(PacketBufferPtr pkt) {
  MutexLock l(&mu_);
  while (q_.size() >= kCapacity && !stopped_) {
    WakeLocked();
    nonfull_.Wait(&mu_);
  }
  if (stopped_) return false;  // pkt is released on return.
  q_.push_back(std::move(pkt));
  // A full batch, or a full queue the producer is about to wait on, wakes
  // the consumer now; anything less waits for Wake().
  if (q_.size() >= kWakeBatch) WakeLocked();
  return true;
}

void ProcessorQueue::Wake() {
  MutexLock l(&mu_);
  if (!q_.empty()) WakeLocked();
}

void ProcessorQueue::WakeLocked() {
  if (consumer_waiting_ && !wake_pending_) {
    wake_pending_ = true;
    nonempty_.NotifyOne();
  }
}

bool ProcessorQueue::TakeAll(std::vector<PacketBufferPtr>* out) {
  MutexLock l(&mu_);
  for (;;) {
    if (stopped_) return false;
    if (!q_.empty()) break;
    if (finishing_) return false;
    consumer_waiting_ = true;
    nonempty_.Wait(&mu_);
    consumer_waiting_ = false;
    wake_pending_ = false;
  }
  const bool was_full = q_.size() >= kCapacity;
  std::swap(q_, *out);  // *out was empty; both keep their capacity.
  if (was_full) nonfull_.NotifyOne();
  return true;
}

void ProcessorQueue::Finish() {
  MutexLock l(&mu_);
  finishing_ = true;
  nonempty_.NotifyAll();
}

void ProcessorQueue::Stop() {
  std::vector<PacketBufferPtr> dropped;
  {
    MutexLock l(&mu_);
    stopped_ = true;
    std::swap(dropped, q_);
    nonempty_.NotifyAll();
    nonfull_.NotifyAll();
  }
  // Packets are released outside the lock.
}

}  // namespace fdlink::fdbased
