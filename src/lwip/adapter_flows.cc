// NetifAdapter's connect-first path: SYNs held for the SynFn's decision,
// admitted into lwIP or refused with an RST (by the user or on timeout).
#include <array>
#include <utility>

#include "fdlink/lwip/netif_adapter.h"
#include "lwip/adapter_packets.h"

namespace fdlink::lwip {

void NetifAdapter::Hold(std::span<const uint8_t> ip, const ParsedFlow& f,
                        const NatEntry& e, Clock::time_point now) {
  HeldSyn h;
  h.packet.assign(ip.begin(), ip.end());
  h.original = f.key;
  h.seq = TcpSeq(ip, f);
  h.deadline = now + config_.syn_timeout;
  const FlowId id = e.id;
  held_.emplace(id, std::move(h));
  ++counters_.syn_held;
  on_syn_(f.key.src, f.key.dst, id);
}

bool NetifAdapter::AdmitFlow(FlowId id) {
  CoreLockGuard g;
  auto it = held_.find(id);
  if (!started_ || it == held_.end()) return false;
  HeldSyn h = std::move(it->second);
  held_.erase(it);
  NatEntry* e = nat_.FindOriginal(h.original);
  std::optional<ParsedFlow> f = ParseFlow(h.packet);
  if (e == nullptr || !f) return false;  // Not reached: both held with it.
  RewriteFlow(h.packet, *f, e->translated_src, e->translated_dst);
  ++counters_.rx_translated;
  Feed(h.packet);
  return true;
}

bool NetifAdapter::RefuseFlow(FlowId id) {
  CoreLockGuard g;
  auto it = held_.find(id);
  if (!started_ || it == held_.end()) return false;
  Refuse(it);
  return true;
}

void NetifAdapter::Refuse(std::unordered_map<FlowId, HeldSyn>::iterator it) {
  const HeldSyn& h = it->second;
  SendReset(h.original.dst, h.original.src, h.seq + 1);
  if (NatEntry* e = nat_.FindOriginal(h.original)) nat_.Remove(e);
  held_.erase(it);
  ++counters_.syn_refused;
}

void NetifAdapter::ExpireHeld(Clock::time_point now) {
  for (auto it = held_.begin(); it != held_.end();) {
    auto next = std::next(it);
    if (it->second.deadline <= now) Refuse(it);
    it = next;
  }
}

void NetifAdapter::DropHeld() {
  for (auto& [id, h] : held_) {
    if (NatEntry* e = nat_.FindOriginal(h.original)) nat_.Remove(e);
  }
  held_.clear();
}

void NetifAdapter::SendReset(const FlowAddr& from, const FlowAddr& to,
                             uint32_t ack) {
  std::array<uint8_t, kTcpResetSize> b;
  Result<size_t> n = WriteTcpReset(b, from, to, ack);
  if (!n) return;  // Not reached: both sides come from one packet.
  ++counters_.rst_sent;
  (void)Transmit(NewPacket(std::span<const uint8_t>(b.data(), *n)));
}

}  // namespace fdlink::lwip
