// NetifAdapter's batching: a receive batch under one core_lock hold, and
// the OutputBatch scope that writes lwIP's output in batches.
#include <utility>

#include "fdlink/lwip/netif_adapter.h"

namespace fdlink::lwip {

NetifAdapter::OutputBatch::OutputBatch(NetifAdapter& adapter)
    : adapter_(adapter) {
  ++adapter_.batch_depth_;
}

NetifAdapter::OutputBatch::~OutputBatch() {
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

void NetifAdapter::FlushOutput() {
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
