#include "testing/dispatcher.h"

#include <cstdio>
#include <cstdlib>

namespace fdlink::testing {

RecordingDispatcher::~RecordingDispatcher() { alive.store(false); }

void RecordingDispatcher::DeliverNetworkPacket(NetworkProtocolNumber protocol,
                                               PacketBufferPtr pkt) {
  if (!alive.load()) {
    std::fprintf(stderr, "delivery to a destroyed dispatcher\n");
    std::abort();
  }
  if (hook) hook(protocol, *pkt);
  Received r;
  if (record_bytes) {
    r.protocol = protocol;
    r.bytes = pkt->ToBytes();
    r.link_header_size = pkt->LinkHeader().size();
    r.size = pkt->Size();
  }
  {
    MutexLock l(&mu_);
    if (record_bytes) packets_.push_back(std::move(r));
    count_.fetch_add(1);
    cv_.NotifyAll();
  }
}

bool RecordingDispatcher::WaitForCount(size_t n,
                                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock l(&mu_);
  while (count_.load() < n) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    cv_.WaitFor(&mu_, deadline - now);
  }
  return true;
}

std::vector<Received> RecordingDispatcher::Packets() const {
  MutexLock l(&mu_);
  return packets_;
}

}  // namespace fdlink::testing
