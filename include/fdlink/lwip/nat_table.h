// NatTable: the address translation that lets an unmodified lwIP terminate
// connections to any destination. Pure bookkeeping, no lwIP and no I/O.
#ifndef FDLINK_LWIP_NAT_TABLE_H_
#define FDLINK_LWIP_NAT_TABLE_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::lwip {

// FlowAddr is one side of a flow: an IPv4 (first 4 bytes of ip) or IPv6
// address and a port.
struct FlowAddr {
  std::array<uint8_t, 16> ip{};
  uint16_t port = 0;
  bool v6 = false;

  // FromV4 and FromV6 build one.
  static FlowAddr FromV4(const header::Ipv4Address& a, uint16_t port);
  static FlowAddr FromV6(const header::Ipv6Address& a, uint16_t port);
  // ToString is "198.18.0.1:80" or "[2001:db8::1]:80".
  std::string ToString() const;
  bool operator==(const FlowAddr&) const = default;
};

// FlowKey names a flow as one direction of it looks: protocol (TCP 6 or
// UDP 17), source and destination.
struct FlowKey {
  uint8_t proto = 0;
  FlowAddr src;
  FlowAddr dst;
  bool operator==(const FlowKey&) const = default;
};

// FlowId names one translated flow (its NatTable entry) from the SYN that
// opens it (NetifAdapter::OnSyn) to the Connection it becomes. Never 0.
using FlowId = uint64_t;

// FlowKeyHash hashes a FlowKey.
struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const;
};

// NatConfig configures a NatTable.
struct NatConfig {
  // local4/local6 are the stack's own addresses: the translated
  // destination of every IPv4/IPv6 flow, at port listen_port.
  header::Ipv4Address local4;
  header::Ipv6Address local6;
  uint16_t listen_port = 0;
  // pool4/pool6 are the first address of the source pools and
  // pool_addresses their size (the same for both families: address i is
  // the first plus i, in the low 32 bits). Sources use ports
  // [first_port, last_port] of each pool address. The pool must hold more
  // (address, port) pairs than max_entries.
  header::Ipv4Address pool4;
  header::Ipv6Address pool6;
  uint32_t pool_addresses = 1;
  uint16_t first_port = 1024;
  uint16_t last_port = 65535;
  // max_entries caps the entries open at once.
  size_t max_entries = 4096;
  // tcp_linger is how long a TCP entry stays after both sides sent FIN,
  // or after LingerOrphans found its connection gone (an RST removes it
  // at once); udp_idle how long a UDP entry lives without a packet.
  std::chrono::milliseconds tcp_linger{2000};
  std::chrono::milliseconds udp_idle{30000};
  // orphan_grace is how long an open TCP entry may go without a
  // connection in the stack (LingerOrphans) before it starts lingering.
  std::chrono::milliseconds orphan_grace{3000};
};

// NatCounters are a NatTable's counters.
struct NatCounters {
  uint64_t open = 0;     // Entries that exist now.
  uint64_t created = 0;  // Entries ever made.
  uint64_t expired = 0;  // Entries removed (closed, reset or idle).
  uint64_t refused = 0;  // New flows refused: table full.
  // Lingering TCP entries (both FINs seen) removed before their time to
  // make room for a new flow when the table was full.
  uint64_t reclaimed = 0;
  // Open TCP entries whose connection the stack dropped without a FIN or
  // RST on the wire (LingerOrphans), set to linger.
  uint64_t orphaned = 0;
};

// NatEntry is one translated flow. `original` is the flow as the client
// sent it (client -> original destination); inside the stack it appears
// as translated_src -> translated_dst.
struct NatEntry {
  FlowId id = 0;  // Unique in its table for the table's life (never 0).
  FlowKey original;
  FlowAddr translated_src;  // A pool address and port, unique.
  FlowAddr translated_dst;  // The local address and listen_port.
  bool fin_in = false;      // The client sent FIN.
  bool fin_out = false;     // The stack sent FIN.
  bool closing = false;     // Deadline is the linger's end, not idle.
  // wire_mss is the segment size the client takes (lwIP's MSS for the
  // connection when it was accepted); 0 until then. With
  // AdapterConfig::send_super it sizes the super-packets' segments.
  uint16_t wire_mss = 0;
  std::chrono::steady_clock::time_point deadline{};
  // missing_since is when LingerOrphans first found no connection in the
  // stack for this open TCP entry; the epoch while one is found.
  std::chrono::steady_clock::time_point missing_since{};
};

// NatTable maps flows to translated ones and back. Both directions are
// looked up in O(1); a new entry takes one pool (address, port) that no
// open entry uses, so translated flows never collide.
//
// Threading: not thread-safe; the owner serialises every call (the
// adapter calls it under the lwIP core lock). Allocation: the slots are
// reserved up front; the two hash maps allocate a node per new entry (per
// flow, never per packet).
class NatTable {
 public:
  using Clock = std::chrono::steady_clock;

  // Create checks `config` (a pool at least max_entries + 1 pairs large,
  // first_port <= last_port, max_entries > 0) and returns a table, or
  // Errc::kInvalidArgument naming the problem.
  [[nodiscard]] static Result<NatTable> Create(const NatConfig& config);

  // Open makes an entry for a new flow `original` (its src/dst families
  // must match; TCP or UDP) at time `now`, with a new id. Returns the entry
  // (owned by the table; valid until it is removed). When the table is
  // full, the lingering TCP entry that closed first gives way (counted as
  // reclaimed; as conntrack drops closed flows early, a late packet of
  // that connection is then unmapped), and only with none lingering is
  // the new flow refused: nullptr, counted as refused. An existing entry
  // for the same flow is returned as is.
  NatEntry* Open(const FlowKey& original, Clock::time_point now);
  // FindOriginal returns the entry of a flow as the client sends it, or
  // nullptr.
  NatEntry* FindOriginal(const FlowKey& original);
  // FindTranslated returns the entry whose translated source (the pool
  // side) is `pool_side` for protocol `proto`, or nullptr.
  NatEntry* FindTranslated(uint8_t proto, const FlowAddr& pool_side);

  // OnTcpInbound / OnTcpOutbound update a TCP entry's state for a segment
  // with `tcp_flags` seen client-to-stack / stack-to-client: after both
  // FINs the entry lingers for tcp_linger; an RST removes it (the pointer
  // is then invalid: they return false).
  bool OnTcpInbound(NatEntry* e, uint8_t tcp_flags, Clock::time_point now) {
    return OnTcp(e, tcp_flags, /*inbound=*/true, now);
  }
  bool OnTcpOutbound(NatEntry* e, uint8_t tcp_flags, Clock::time_point now) {
    return OnTcp(e, tcp_flags, /*inbound=*/false, now);
  }
  // LingerOrphans is the owner's periodic check that every open TCP entry
  // still has a connection in the stack; `alive(const NatEntry&)` says
  // whether it does. An entry found without one for orphan_grace or
  // longer starts lingering as after both FINs, counted in orphaned (lwIP
  // drops a pcb without a word when its timers give up: retransmissions,
  // SYN-RCVD, FIN-WAIT-2, LAST-ACK); one found with a connection restarts
  // its clock. A SYN on the flow after that is a new flow, as on any
  // lingering entry. Returns how many started lingering.
  template <typename Alive>
  size_t LingerOrphans(const Alive& alive, Clock::time_point now);
  // TouchUdp restarts a UDP entry's idle timer.
  void TouchUdp(NatEntry* e, Clock::time_point now);
  // Remove removes an entry (the pointer is invalid afterwards).
  void Remove(NatEntry* e);
  // Expire removes every entry whose deadline is at or before `now`
  // (closed TCP past linger, idle UDP; open TCP entries have no deadline)
  // and returns how many.
  size_t Expire(Clock::time_point now);

  // TakeEndedTcp moves out the translated sources (pool side) of the TCP
  // entries that ended lingering since the last call (expired or
  // reclaimed), so the owner can drop what the stack still keeps for them
  // (a pcb whose last ACK was lost would otherwise retransmit into a
  // mapping that is gone). Empty when none did.
  std::vector<FlowAddr> TakeEndedTcp();

  NatCounters counters() const;
  const NatConfig& config() const { return config_; }

  NatTable(NatTable&&) = default;
  NatTable& operator=(NatTable&&) = default;

 private:
  explicit NatTable(const NatConfig& config);
  // PoolAddr returns pool pair number `i`.
  FlowAddr PoolAddr(bool v6, uint64_t i) const;
  void Erase(uint32_t slot);
  // ReclaimLingering erases the oldest lingering TCP entry; false if none.
  bool ReclaimLingering();
  // StillLingering is true while slot `slot` holds lingering entry `id`.
  bool StillLingering(uint32_t slot, FlowId id) const;
  // StartLinger makes an open TCP entry linger from `now` (no-op if it
  // does already).
  void StartLinger(NatEntry* e, Clock::time_point now);
  // OnTcp is OnTcpInbound / OnTcpOutbound.
  bool OnTcp(NatEntry* e, uint8_t tcp_flags, bool inbound,
             Clock::time_point now);

  NatConfig config_;
  uint64_t pool_size_ = 0;
  uint64_t cursor_ = 0;  // Next pool pair to try.
  std::vector<NatEntry> slots_;
  std::vector<uint32_t> free_;
  // closing_ lists (slot, id) of TCP entries as they start lingering,
  // oldest first (one linger time for all, so also by deadline); an item
  // whose slot no longer holds that id is stale and skipped.
  std::deque<std::pair<uint32_t, FlowId>> closing_;
  std::vector<FlowAddr> ended_tcp_;  // For TakeEndedTcp.
  std::unordered_map<FlowKey, uint32_t, FlowKeyHash> by_original_;
  std::unordered_map<FlowKey, uint32_t, FlowKeyHash> by_translated_;
  NatCounters counters_;
};

template <typename Alive>
size_t NatTable::LingerOrphans(const Alive& alive, Clock::time_point now) {
  constexpr uint8_t kTcp = 6;
  size_t n = 0;
  for (const auto& [key, slot] : by_original_) {
    NatEntry& e = slots_[slot];
    if (e.original.proto != kTcp || e.closing) continue;
    if (alive(static_cast<const NatEntry&>(e))) {
      e.missing_since = {};
    } else if (e.missing_since == Clock::time_point{}) {
      e.missing_since = now;
    } else if (now - e.missing_since >= config_.orphan_grace) {
      StartLinger(&e, now);
      ++counters_.orphaned;
      ++n;
    }
  }
  return n;
}

}  // namespace fdlink::lwip

#endif  // FDLINK_LWIP_NAT_TABLE_H_
