// Counters of the reference responder: what it answered, what it could not
// send, and why it dropped everything else.
#ifndef FDLINK_RESPONDER_COUNTERS_H_
#define FDLINK_RESPONDER_COUNTERS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fdlink::responder {

// ResponderDrop says why the responder dropped an inbound packet. Every
// packet it receives ends as exactly one reply (sent or tx_failed) or one
// drop.
enum class ResponderDrop : uint8_t {
  kTruncated,             // Shorter than the header it claims to carry.
  kUnknownEtherType,      // Network protocol is not ARP, IPv4 or IPv6.
  kMalformedArp,          // Not an Ethernet/IPv4 ARP packet.
  kUnsupportedArp,        // An ARP operation other than request.
  kArpNotOurs,            // ARP request for an address we do not own.
  kBadIpv4Header,         // Bad version, IHL or total length.
  kBadIpv4Checksum,       // IPv4 header checksum does not verify.
  kBadIpv6Header,         // Bad version, payload length or extension chain.
  kBadSource,             // Source we must not answer (group, unspecified).
  kNotOurs,               // Destination is not one of our addresses.
  kFragment,              // IPv4 or IPv6 fragment (no reassembly here).
  kUnknownProtocol,       // Transport protocol other than ICMP or UDP.
  kBadTransportHeader,    // UDP length field inconsistent with the packet.
  kBadTransportChecksum,  // ICMP, ICMPv6 or UDP checksum does not verify.
  kUnsupportedIcmp,       // ICMP message other than echo request / NS.
  kBadNdp,                // Neighbour solicitation failing RFC 4861 7.1.1.
  kNdpNotOurs,            // Neighbour solicitation for another target.
  kPortNotServed,         // UDP to a port that is not an echo port.
  // Sources a host must not answer (RFC 1122 3.2.1.3, RFC 4291 2.5.3 and
  // 2.5.5.2): loopback (127/8, ::1), class E (240/4), one of our own
  // addresses, an IPv4-mapped IPv6 address (::ffff:0:0/96).
  kLoopbackSource,
  kClassESource,
  kOwnSource,
  kMappedSource,
  kLinkBroadcast,    // Unicast IP sent to a link group address (1122 3.3.6).
  kRoutingHeader,    // IPv6 routing header with segments left (RFC 5095).
  kDiscardOption,    // IPv6 option whose action says discard (8200 4.2).
  kEchoServicePort,  // UDP from port 7 (echo) or 19 (chargen): would loop.
  kCount
};

// ResponderDropName is a stable snake_case name ("bad_ipv4_checksum").
std::string_view ResponderDropName(ResponderDrop d);

// ResponderReply names the kinds of reply the responder sends.
enum class ResponderReply : uint8_t {
  kArp,
  kIcmpv4Echo,
  kIcmpv6Echo,
  kNeighborAdvertisement,
  kUdpEcho,
  kCount
};

// ResponderCounters is a snapshot of a responder's counters. The reply
// counters count replies the endpoint accepted; a reply it refused (would
// block, error) counts in tx_failed instead.
struct ResponderCounters {
  uint64_t received = 0;  // Packets delivered to the responder.
  uint64_t arp_replies = 0;
  uint64_t icmpv4_echo_replies = 0;
  uint64_t icmpv6_echo_replies = 0;
  uint64_t neighbor_advertisements = 0;
  uint64_t udp_echoes = 0;
  uint64_t tx_failed = 0;
  std::array<uint64_t, static_cast<size_t>(ResponderDrop::kCount)> drops{};

  // drops_of returns the drop counter of `d`.
  uint64_t drops_of(ResponderDrop d) const {
    return drops[static_cast<size_t>(d)];
  }
  // total_drops sums every drop counter.
  uint64_t total_drops() const;
  // replies sums the reply counters (tx_failed excluded).
  uint64_t replies() const;
  // Summary renders one human-readable line, listing non-zero drops only.
  std::string Summary() const;
  // Json renders a JSON object with every counter, drops as an object keyed
  // by ResponderDropName.
  std::string Json() const;
};

// ResponderCounterSet is the live, lock-free set of counters a responder
// updates from any number of threads at once.
class ResponderCounterSet {
 public:
  // Count* add `n` (one unless a super-packet stands for n wire packets)
  // to a counter; thread-safe and wait-free.
  void CountReceived(uint64_t n = 1) { Add(received_, n); }
  void CountReply(ResponderReply r, uint64_t n = 1) {
    Add(replies_[static_cast<size_t>(r)], n);
  }
  void CountTxFailed(uint64_t n = 1) { Add(tx_failed_, n); }
  void CountDrop(ResponderDrop d, uint64_t n = 1) {
    Add(drops_[static_cast<size_t>(d)], n);
  }

  // Snapshot reads every counter (each one atomically, not all at once).
  ResponderCounters Snapshot() const;

 private:
  static void Add(std::atomic<uint64_t>& c, uint64_t n) {
    c.fetch_add(n, std::memory_order_relaxed);
  }

  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> tx_failed_{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ResponderReply::kCount)>
      replies_{};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ResponderDrop::kCount)>
      drops_{};
};

}  // namespace fdlink::responder

#endif  // FDLINK_RESPONDER_COUNTERS_H_
