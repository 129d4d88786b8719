// NetifAdapter's batching: a receive batch under one core_lock hold, and
// the OutputBatch scope that writes lwIP's output in batches.
#include <utility>

#include "fdlink/lwip/netif_adapter.h"
#include "lwip/ack_coalesce.h"

namespace fdlink::lwip {

NetifAdapter::OutputBatch::OutputBatch(NetifAdapter& adapter)
    : adapter_(adapter) {
  ++adapter_.batch_depth_;
}

NetifAdapter::OutputBatch::~OutputBatch() {
  if (adapter_.batch_depth_ == 1 && adapter_.on_batch_end_ &&
      !adapter_.in_batch_end_) {
    // The batch's output first (its ACKs reach the peer while the
    // callback works), then the callback, still inside the scope so that
    // what it makes lwIP send is batched too.
    adapter_.FlushOutput();
    adapter_.in_batch_end_ = true;
    adapter_.on_batch_end_();
    adapter_.in_batch_end_ = false;
  }
  if (--adapter_.batch_depth_ == 0) adapter_.FlushOutput();
}

void NetifAdapter::DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) {
  if (!config_.batch) {
    NetworkDispatcher::DeliverNetworkPackets(pkts);  // One lock each.
    return;
  }
  CoreLockGuard g;
  OutputBatch batch(*this);
  ++counters_.rx_batches;
  for (PacketBufferPtr& p : pkts) {
    DeliverLocked(*p);
    p.reset();  // Back to the pool now, as DeliverNetworkPacket would.
  }
}

void NetifAdapter::TransmitOutput(PacketBufferPtr pkt) {
  if (batch_depth_ == 0 || !config_.batch) {
    (void)Transmit(std::move(pkt));  // A failure is counted in tx_dropped.
    return;
  }
  std::span<uint8_t> ip = pkt->NetworkPacket();
  pkt->set_network_protocol((!ip.empty() && (ip[0] >> 4) == 6)
                                ? kIPv6ProtocolNumber
                                : kIPv4ProtocolNumber);
  pending_[pending_count_++] = std::move(pkt);
  ++counters_.tx_batched;
  if (pending_count_ == kOutputBatchMax) FlushOutput();
}

void NetifAdapter::CoalesceAcks() {
  std::array<std::span<const uint8_t>, kOutputBatchMax> ips;
  std::array<bool, kOutputBatchMax> drop{};
  for (size_t i = 0; i < pending_count_; ++i) {
    ips[i] = pending_[i]->NetworkPacket();
  }
  const size_t n = MarkSupersededAcks(std::span(ips).first(pending_count_),
                                      std::span(drop).first(pending_count_));
  if (n == 0) return;
  size_t kept = 0;
  for (size_t i = 0; i < pending_count_; ++i) {
    if (drop[i]) {
      pending_[i].reset();
    } else if (kept != i) {
      pending_[kept++] = std::move(pending_[i]);
    } else {
      ++kept;
    }
  }
  pending_count_ = kept;
  counters_.tx_acks_coalesced += n;
}

void NetifAdapter::FlushOutput() {
  if (config_.coalesce_acks && pending_count_ > 1) CoalesceAcks();
  // One WritePackets call for the list; if it stops short (would-block, a
  // failure, or a refused packet), that packet is dropped and the rest is
  // tried again, so each packet fares as it would have written alone.
  size_t next = 0;
  while (next < pending_count_) {
    ++counters_.tx_writes;
    Result<size_t> n = endpoint_->WritePackets(std::span<const PacketBufferPtr>(
        pending_.data() + next, pending_count_ - next));
    const size_t written = n ? *n : 0;
    counters_.tx_packets += written;
    next += written;
    if (next < pending_count_) {
      ++counters_.tx_dropped;
      ++next;
    }
  }
  for (size_t i = 0; i < pending_count_; ++i) pending_[i].reset();
  pending_count_ = 0;
}

}  // namespace fdlink::lwip
