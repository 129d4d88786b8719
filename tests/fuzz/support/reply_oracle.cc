#include "support/reply_oracle.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "fdlink/header/arp.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ipv6_extensions.h"
#include "fdlink/header/ndp.h"
#include "fdlink/header/udp.h"
#include "support/fuzz_check.h"
#include "support/naive_checksum.h"

namespace fdlink::fuzz {
namespace {

using header::Ipv4Address;
using header::Ipv6Address;

constexpr MacAddress kAllNodesMac({0x33, 0x33, 0, 0, 0, 1});
constexpr Ipv6Address kAllNodes({0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 1});

bool IsOurs4(const responder::ResponderConfig& c, const Ipv4Address& a) {
  return std::find(c.ipv4.begin(), c.ipv4.end(), a) != c.ipv4.end();
}
bool IsOurs6(const responder::ResponderConfig& c, const Ipv6Address& a) {
  return std::find(c.ipv6.begin(), c.ipv6.end(), a) != c.ipv6.end();
}
bool IsEchoPort(const responder::ResponderConfig& c, uint16_t port) {
  return std::find(c.udp_echo_ports.begin(), c.udp_echo_ports.end(), port) !=
         c.udp_echo_ports.end();
}
bool Equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// CheckUdpEcho checks a UDP echo `reply` against the request's datagram
// `asked`; `pseudo` is the naive pseudo header of the reply.
void CheckUdpEcho(std::span<const uint8_t> reply,
                  std::span<const uint8_t> asked,
                  const std::vector<uint8_t>& pseudo,
                  const responder::ResponderConfig& config) {
  Result<header::Udp> udp = header::Udp::Parse(reply);
  FUZZ_CHECK(udp.has_value());
  FUZZ_CHECK(udp->length() == reply.size());
  FUZZ_CHECK(udp->checksum() != 0);
  FUZZ_CHECK(NaiveTransportSum(pseudo, reply) == 0xffff);
  FUZZ_CHECK(IsEchoPort(config, udp->src_port()));
  Result<header::Udp> req = header::Udp::Parse(asked);
  FUZZ_CHECK(req.has_value());
  FUZZ_CHECK(udp->src_port() == req->dst_port());
  FUZZ_CHECK(udp->dst_port() == req->src_port());
  FUZZ_CHECK(Equal(udp->payload(), req->payload()));
}

// CheckEchoReply checks an ICMP(v4 or v6) echo reply against the request
// message `asked`: the same identifier, sequence and data.
void CheckEchoReply(std::span<const uint8_t> reply,
                    std::span<const uint8_t> asked) {
  FUZZ_CHECK(reply.size() >= header::kIcmpHeaderSize);
  FUZZ_CHECK(reply[1] == 0);  // Code.
  FUZZ_CHECK(asked.size() == reply.size());
  FUZZ_CHECK(Equal(reply.subspan(4), asked.subspan(4)));
}

void CheckArp(std::span<const uint8_t> payload, const Request& req,
              const responder::ResponderConfig& config, MacAddress ours,
              MacAddress link_dst) {
  Result<header::Arp> arp = header::Arp::Parse(payload);
  FUZZ_CHECK(arp.has_value());
  FUZZ_CHECK(arp->op() == header::arp_op::kReply);
  FUZZ_CHECK(MacAddress(arp->sender_hardware_address()) == ours);
  FUZZ_CHECK(IsOurs4(config, arp->sender_protocol_address()));
  Result<header::Arp> asked = header::Arp::Parse(req.network);
  FUZZ_CHECK(asked.has_value());
  FUZZ_CHECK(arp->target_hardware_address() ==
             asked->sender_hardware_address());
  // RFC 826: the reply goes to the asker's hardware address, a unicast one.
  FUZZ_CHECK(link_dst == MacAddress(asked->sender_hardware_address()));
  FUZZ_CHECK(!link_dst.IsGroup() && !link_dst.IsZero());
  FUZZ_CHECK(arp->target_protocol_address() ==
             asked->sender_protocol_address());
  FUZZ_CHECK(arp->sender_protocol_address() ==
             asked->target_protocol_address());
}

void CheckIpv4(std::span<const uint8_t> packet, const Request& req,
               const responder::ResponderConfig& config) {
  Result<header::Ipv4> ip = header::Ipv4::Parse(packet);
  FUZZ_CHECK(ip.has_value());
  FUZZ_CHECK(ip->header_length() == header::kIpv4MinimumSize);
  FUZZ_CHECK(ip->total_length() == packet.size());
  FUZZ_CHECK(NaiveSum(packet.first(header::kIpv4MinimumSize)) == 0xffff);
  FUZZ_CHECK(!ip->IsFragment());
  FUZZ_CHECK(IsOurs4(config, ip->src()));
  Result<header::Ipv4> asked = header::Ipv4::Parse(req.network);
  FUZZ_CHECK(asked.has_value());
  FUZZ_CHECK(ip->dst() == asked->src());
  FUZZ_CHECK(ip->src() == asked->dst());
  std::span<const uint8_t> payload = ip->payload();
  switch (ip->protocol()) {
    case header::ip_proto::kIcmpv4:
      FUZZ_CHECK(NaiveSum(payload) == 0xffff);
      FUZZ_CHECK(payload.size() >= header::kIcmpv4MinimumSize);
      FUZZ_CHECK(payload[0] == header::icmpv4_type::kEchoReply);
      CheckEchoReply(payload, asked->payload());
      break;
    case header::ip_proto::kUdp:
      CheckUdpEcho(payload, asked->payload(),
                   NaivePseudoHeader4(ip->src().bytes(), ip->dst().bytes(),
                                      header::ip_proto::kUdp,
                                      static_cast<uint16_t>(payload.size())),
                   config);
      break;
    default:
      FUZZ_CHECK(!"IPv4 reply of an unexpected protocol");
  }
}

void CheckIpv6(std::span<const uint8_t> packet, const Request& req,
               const responder::ResponderConfig& config, bool to_all_nodes) {
  Result<header::Ipv6> ip = header::Ipv6::Parse(packet);
  FUZZ_CHECK(ip.has_value());
  FUZZ_CHECK(ip->payload_length() + header::kIpv6FixedHeaderSize ==
             packet.size());
  FUZZ_CHECK(IsOurs6(config, ip->src()));
  Result<header::Ipv6> asked = header::Ipv6::Parse(req.network);
  FUZZ_CHECK(asked.has_value());
  Result<header::Ipv6TransportInfo> where = header::FindIpv6Transport(*asked);
  FUZZ_CHECK(where.has_value());
  std::span<const uint8_t> asked_l4 =
      asked->packet().subspan(std::min(where->offset, asked->packet().size()));
  if (to_all_nodes || ip->dst() == kAllNodes) {
    // Only an advertisement answering a solicitation from :: goes there.
    FUZZ_CHECK(ip->dst() == kAllNodes);
    FUZZ_CHECK(asked->src().IsUnspecified());
  } else {
    FUZZ_CHECK(ip->dst() == asked->src());
  }
  std::span<const uint8_t> payload = ip->payload();
  const std::vector<uint8_t> pseudo = NaivePseudoHeader6(
      ip->src().bytes(), ip->dst().bytes(), ip->next_header(),
      static_cast<uint32_t>(payload.size()));
  switch (ip->next_header()) {
    case header::ip_proto::kIcmpv6: {
      FUZZ_CHECK(NaiveTransportSum(pseudo, payload) == 0xffff);
      FUZZ_CHECK(payload.size() >= header::kIcmpv6MinimumSize);
      if (payload[0] == header::icmpv6_type::kEchoReply) {
        FUZZ_CHECK(ip->src() == asked->dst());
        CheckEchoReply(payload, asked_l4);
        break;
      }
      FUZZ_CHECK(payload[0] == header::icmpv6_type::kNeighborAdvertisement);
      FUZZ_CHECK(ip->hop_limit() == 255);
      Result<header::NdpNeighbor> na = header::NdpNeighbor::Parse(payload);
      FUZZ_CHECK(na.has_value());
      FUZZ_CHECK(IsOurs6(config, na->target()));
      FUZZ_CHECK(na->solicited() != asked->src().IsUnspecified());
      break;
    }
    case header::ip_proto::kUdp:
      FUZZ_CHECK(ip->src() == asked->dst());
      CheckUdpEcho(payload, asked_l4, pseudo, config);
      break;
    default:
      FUZZ_CHECK(!"IPv6 reply of an unexpected next header");
  }
}

}  // namespace

void CheckReply(std::span<const uint8_t> frame, const Request& req,
                const responder::ResponderConfig& config, MacAddress ours) {
  std::span<const uint8_t> packet = frame;
  uint16_t ether_type = 0;
  bool to_all_nodes = false;
  MacAddress dst;
  if (req.ethernet) {
    Result<header::Ethernet> eth = header::Ethernet::Parse(frame);
    FUZZ_CHECK(eth.has_value());
    FUZZ_CHECK(MacAddress(eth->src()) == ours);
    dst = MacAddress(eth->dst());
    ether_type = eth->ether_type();
    to_all_nodes = dst == kAllNodesMac;
    // IP replies go back to the frame's sender (ARP's are checked below).
    FUZZ_CHECK(ether_type == header::ether_type::kARP || dst == req.peer ||
               to_all_nodes);
    packet = eth->payload();
  } else {
    FUZZ_CHECK(!frame.empty());
    ether_type = (frame[0] >> 4) == 6 ? header::ether_type::kIPv6
                                      : header::ether_type::kIPv4;
  }
  switch (ether_type) {
    case header::ether_type::kARP:
      FUZZ_CHECK(req.ethernet);
      CheckArp(packet, req, config, ours, dst);
      break;
    case header::ether_type::kIPv4:
      FUZZ_CHECK(!to_all_nodes);
      CheckIpv4(packet, req, config);
      break;
    case header::ether_type::kIPv6:
      CheckIpv6(packet, req, config, to_all_nodes);
      break;
    default:
      FUZZ_CHECK(!"reply of an unexpected EtherType");
  }
}

}  // namespace fdlink::fuzz
