// Responder: fdlink's reference network stack. A NetworkDispatcher small
// enough to read in one sitting that answers ARP, ICMPv4/ICMPv6 echo,
// IPv6 neighbour solicitation and UDP echo for a fixed set of addresses, so
// a real host (the Linux kernel on the other side of a TAP, or a test) can
// talk to an fdlink endpoint.
#ifndef FDLINK_RESPONDER_RESPONDER_H_
#define FDLINK_RESPONDER_RESPONDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fdlink/header/ip_address.h"
#include "fdlink/responder/counters.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::responder {

// ResponderConfig lists what the responder answers for: its IPv4 and IPv6
// addresses and the UDP ports it echoes on. Lookups are linear scans, meant
// for a handful of entries.
struct ResponderConfig {
  std::vector<header::Ipv4Address> ipv4;
  std::vector<header::Ipv6Address> ipv6;
  std::vector<uint16_t> udp_echo_ports{7};
};

// Responder answers, on the endpoint it was built with, every request that
// the link delivers to it:
// - ARP requests for one of its IPv4 addresses: an ARP reply with the
//   endpoint's MAC;
// - IPv4 (valid header and checksum, not a fragment) to one of its
//   addresses: ICMP echo request -> echo reply; UDP to an echo port -> the
//   same payload back with the ports swapped;
// - IPv6 (valid header and extension chain, not a fragment): ICMPv6 echo
//   and UDP echo to one of its addresses; neighbour solicitations for one of
//   its addresses (sent to it or to its solicited-node group) -> a neighbour
//   advertisement with hop limit 255, the override flag, the solicited flag
//   unless the solicitation came from :: (then it goes to ff02::1, RFC 4861
//   7.2.4) and, on Ethernet, a target link-layer address option.
// It never answers what a host must not (RFC 1122 3.2.1.3 and 3.3.6, RFC
// 5095, RFC 8200 4.2): sources that are loopback, class E, its own address
// or IPv4-mapped IPv6; unicast IP that arrived as a link broadcast or
// multicast; IPv6 with a routing header that has segments left or an
// option whose action bits say discard; UDP from port 7 or 19 (two echo
// services would loop). Everything else is dropped and counted by
// ResponderDrop. On an Ethernet
// link a reply goes to the request's source MAC; on a link without a link
// header (TUN) it carries no link header.
//
// Transport checksums are verified unless the packet says the link already
// did (rx_checksum_validated); the IPv4 header checksum always is.
//
// Threading: DeliverNetworkPacket may run on several endpoint threads at
// once. The configuration is immutable and the counters are atomics, so the
// packet path takes no lock. Replies are written with the endpoint's
// WritePackets from the delivering thread; a reply the endpoint refuses
// (would block, error) is counted in tx_failed and dropped.
class Responder final : public NetworkDispatcher {
 public:
  // Responder answers on `ep` (borrowed, never null: it must outlive the
  // responder) for `config`. It does not attach itself: the owner calls
  // ep->Attach(&responder), and must detach before destroying it.
  Responder(LinkEndpoint* ep, ResponderConfig config);
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // DeliverNetworkPacket answers or drops `pkt` (see the class comment).
  // Thread-safe; never fails.
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override;
  // TakesSuperPackets is true: a UDP super-packet to an echo port is
  // answered with a UDP super-packet (payload shared, not copied); any
  // other super-packet (TCP) is dropped as an unknown protocol. They may
  // span several views.
  bool TakesSuperPackets() const override { return true; }

  // Counters returns a snapshot of the counters. Thread-safe.
  ResponderCounters Counters() const { return counters_.Snapshot(); }
  // Summary renders the counters as one human-readable line. Thread-safe.
  std::string Summary() const { return Counters().Summary(); }
  // CountersJson renders the counters as a JSON object. Thread-safe.
  std::string CountersJson() const { return Counters().Json(); }

  // config returns the configuration the responder was built with.
  const ResponderConfig& config() const { return config_; }

 private:
  LinkEndpoint* const ep_;
  const ResponderConfig config_;
  ResponderCounterSet counters_;
};

}  // namespace fdlink::responder

#endif  // FDLINK_RESPONDER_RESPONDER_H_
