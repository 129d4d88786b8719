#include "fdlink/lwip/nat_table.h"

#include <cstring>
#include <utility>

namespace fdlink::lwip {

namespace {

constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kUdp = 17;

// TranslatedKey is the key of the translated flow as the stack sends it back:
// proto, from the pool pair (its source inside the stack); dst unused.
FlowKey TranslatedKey(uint8_t proto, const FlowAddr& pool_side) {
  FlowKey k;
  k.proto = proto;
  k.src = pool_side;
  return k;
}

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

uint64_t HashAddr(uint64_t h, const FlowAddr& a) {
  uint64_t lo, hi;
  std::memcpy(&lo, a.ip.data(), 8);
  std::memcpy(&hi, a.ip.data() + 8, 8);
  h = Mix(h, lo);
  h = Mix(h, hi);
  return Mix(h, (uint64_t{a.port} << 1) | (a.v6 ? 1 : 0));
}

}  // namespace

FlowAddr FlowAddr::FromV4(const header::Ipv4Address& a, uint16_t port) {
  FlowAddr f;
  std::memcpy(f.ip.data(), a.bytes().data(), 4);
  f.port = port;
  return f;
}

FlowAddr FlowAddr::FromV6(const header::Ipv6Address& a, uint16_t port) {
  FlowAddr f;
  f.ip = a.bytes();
  f.port = port;
  f.v6 = true;
  return f;
}

std::string FlowAddr::ToString() const {
  if (v6) {
    return "[" + header::Ipv6Address(ip).ToString() +
           "]:" + std::to_string(port);
  }
  return header::Ipv4Address({ip[0], ip[1], ip[2], ip[3]}).ToString() + ":" +
         std::to_string(port);
}

size_t FlowKeyHash::operator()(const FlowKey& k) const {
  uint64_t h = k.proto;
  h = HashAddr(h, k.src);
  h = HashAddr(h, k.dst);
  return static_cast<size_t>(h);
}

Result<NatTable> NatTable::Create(const NatConfig& config) {
  if (config.max_entries == 0) {
    return Error{Errc::kInvalidArgument, 0, "nat: max_entries is 0"};
  }
  if (config.first_port > config.last_port || config.first_port == 0) {
    return Error{Errc::kInvalidArgument, 0, "nat: bad source port range"};
  }
  const uint64_t ports = uint64_t{config.last_port} - config.first_port + 1;
  if (config.pool_addresses == 0 ||
      ports * config.pool_addresses <= config.max_entries) {
    return Error{Errc::kInvalidArgument, 0,
                 "nat: pool smaller than max_entries + 1"};
  }
  return NatTable(config);
}

NatTable::NatTable(const NatConfig& config)
    : config_(config),
      pool_size_((uint64_t{config.last_port} - config.first_port + 1) *
                 config.pool_addresses) {
  slots_.resize(config.max_entries);
  free_.reserve(config.max_entries);
  for (size_t i = config.max_entries; i > 0; --i) {
    free_.push_back(static_cast<uint32_t>(i - 1));
  }
  by_original_.reserve(config.max_entries);
  by_translated_.reserve(config.max_entries);
}

FlowAddr NatTable::PoolAddr(bool v6, uint64_t i) const {
  const uint64_t ports = uint64_t{config_.last_port} - config_.first_port + 1;
  const uint32_t addr_index = static_cast<uint32_t>(i / ports);
  const uint16_t port = static_cast<uint16_t>(config_.first_port + i % ports);
  FlowAddr a = v6 ? FlowAddr::FromV6(config_.pool6, port)
                  : FlowAddr::FromV4(config_.pool4, port);
  uint8_t* low = a.ip.data() + (v6 ? 12 : 0);
  uint32_t base = (uint32_t{low[0]} << 24) | (uint32_t{low[1]} << 16) |
                  (uint32_t{low[2]} << 8) | low[3];
  base += addr_index;
  low[0] = static_cast<uint8_t>(base >> 24);
  low[1] = static_cast<uint8_t>(base >> 16);
  low[2] = static_cast<uint8_t>(base >> 8);
  low[3] = static_cast<uint8_t>(base);
  return a;
}

NatEntry* NatTable::Open(const FlowKey& original, Clock::time_point now) {
  if (NatEntry* e = FindOriginal(original)) return e;
  if (free_.empty() && !ReclaimLingering()) {
    ++counters_.refused;
    return nullptr;
  }
  const bool v6 = original.src.v6;
  // At most max_entries pairs are taken and the pool is larger, so this
  // finds a free pair within max_entries + 1 tries. The cursor goes round
  // the whole pool before it reuses a pair.
  FlowAddr src;
  for (;;) {
    src = PoolAddr(v6, cursor_);
    cursor_ = (cursor_ + 1) % pool_size_;
    if (!by_translated_.contains(TranslatedKey(original.proto, src))) break;
  }
  const uint32_t slot = free_.back();
  free_.pop_back();
  NatEntry& e = slots_[slot];
  e = NatEntry{};
  e.original = original;
  e.translated_src = src;
  e.translated_dst = v6 ? FlowAddr::FromV6(config_.local6, config_.listen_port)
                        : FlowAddr::FromV4(config_.local4, config_.listen_port);
  if (original.proto == kUdp) e.deadline = now + config_.udp_idle;
  by_original_.emplace(original, slot);
  by_translated_.emplace(TranslatedKey(original.proto, src), slot);
  ++counters_.created;
  e.id = counters_.created;
  return &e;
}

NatEntry* NatTable::FindOriginal(const FlowKey& original) {
  auto it = by_original_.find(original);
  return it == by_original_.end() ? nullptr : &slots_[it->second];
}

NatEntry* NatTable::FindTranslated(uint8_t proto, const FlowAddr& pool_side) {
  auto it = by_translated_.find(TranslatedKey(proto, pool_side));
  return it == by_translated_.end() ? nullptr : &slots_[it->second];
}

bool NatTable::OnTcp(NatEntry* e, uint8_t tcp_flags, bool inbound,
                     Clock::time_point now) {
  if (tcp_flags & kTcpRst) {
    Remove(e);
    return false;
  }
  if (tcp_flags & kTcpFin) (inbound ? e->fin_in : e->fin_out) = true;
  if (e->fin_in && e->fin_out) StartLinger(e, now);
  return true;
}

void NatTable::StartLinger(NatEntry* e, Clock::time_point now) {
  if (e->closing) return;
  e->closing = true;
  e->deadline = now + config_.tcp_linger;
  closing_.emplace_back(static_cast<uint32_t>(e - slots_.data()), e->id);
}

void NatTable::TouchUdp(NatEntry* e, Clock::time_point now) {
  e->deadline = now + config_.udp_idle;
}

void NatTable::Erase(uint32_t slot) {
  NatEntry& e = slots_[slot];
  by_original_.erase(e.original);
  by_translated_.erase(TranslatedKey(e.original.proto, e.translated_src));
  free_.push_back(slot);
  ++counters_.expired;
}

bool NatTable::StillLingering(uint32_t slot, FlowId id) const {
  const NatEntry& e = slots_[slot];
  if (e.id != id || !e.closing) return false;  // The slot was reused.
  auto it = by_original_.find(e.original);
  return it != by_original_.end() && it->second == slot;  // Else erased.
}

bool NatTable::ReclaimLingering() {
  while (!closing_.empty()) {
    const auto [slot, id] = closing_.front();
    closing_.pop_front();
    if (!StillLingering(slot, id)) continue;
    ended_tcp_.push_back(slots_[slot].translated_src);
    Erase(slot);
    ++counters_.reclaimed;
    return true;
  }
  return false;
}

void NatTable::Remove(NatEntry* e) {
  Erase(static_cast<uint32_t>(e - slots_.data()));
}

size_t NatTable::Expire(Clock::time_point now) {
  size_t n = 0;
  for (auto it = by_original_.begin(); it != by_original_.end();) {
    const uint32_t slot = it->second;
    const NatEntry& e = slots_[slot];
    const bool timed = e.original.proto == kUdp || e.closing;
    ++it;  // Erase invalidates the erased element only.
    if (timed && e.deadline <= now) {
      if (e.original.proto != kUdp) ended_tcp_.push_back(e.translated_src);
      Erase(slot);
      ++n;
    }
  }
  // The list's front is the oldest lingering: drop what has gone, so the
  // list holds no more than the entries closed within one linger time.
  while (!closing_.empty() &&
         !StillLingering(closing_.front().first, closing_.front().second)) {
    closing_.pop_front();
  }
  return n;
}

std::vector<FlowAddr> NatTable::TakeEndedTcp() {
  std::vector<FlowAddr> out;
  out.swap(ended_tcp_);
  return out;
}

NatCounters NatTable::counters() const {
  NatCounters c = counters_;
  c.open = by_original_.size();
  return c;
}

}  // namespace fdlink::lwip
