#include "fdlink/responder/counters.h"

#include <string>
#include <utility>

namespace fdlink::responder {
namespace {

constexpr size_t kDropCount = static_cast<size_t>(ResponderDrop::kCount);

constexpr std::string_view kDropNames[kDropCount] = {
    "truncated",
    "unknown_ethertype",
    "malformed_arp",
    "unsupported_arp",
    "arp_not_ours",
    "bad_ipv4_header",
    "bad_ipv4_checksum",
    "bad_ipv6_header",
    "bad_source",
    "not_ours",
    "fragment",
    "unknown_protocol",
    "bad_transport_header",
    "bad_transport_checksum",
    "unsupported_icmp",
    "bad_ndp",
    "ndp_not_ours",
    "port_not_served",
    "loopback_source",
    "class_e_source",
    "own_source",
    "mapped_source",
    "link_broadcast",
    "routing_header",
    "discard_option",
    "echo_service_port",
};

// NamedValue is one scalar counter with its stable name.
using NamedValue = std::pair<std::string_view, uint64_t>;

}  // namespace

std::string_view ResponderDropName(ResponderDrop d) {
  const size_t i = static_cast<size_t>(d);
  return i < kDropCount ? kDropNames[i] : "unknown";
}

uint64_t ResponderCounters::total_drops() const {
  uint64_t n = 0;
  for (uint64_t d : drops) n += d;
  return n;
}

uint64_t ResponderCounters::replies() const {
  return arp_replies + icmpv4_echo_replies + icmpv6_echo_replies +
         neighbor_advertisements + udp_echoes;
}

std::string ResponderCounters::Summary() const {
  std::string s =
      "received " + std::to_string(received) + ", replied " +
      std::to_string(replies()) + " (arp " + std::to_string(arp_replies) +
      ", icmpv4 " + std::to_string(icmpv4_echo_replies) + ", icmpv6 " +
      std::to_string(icmpv6_echo_replies) + ", ndp " +
      std::to_string(neighbor_advertisements) + ", udp " +
      std::to_string(udp_echoes) + "), tx_failed " + std::to_string(tx_failed) +
      ", dropped " + std::to_string(total_drops());
  std::string detail;
  for (size_t i = 0; i < kDropCount; ++i) {
    if (drops[i] == 0) continue;
    if (!detail.empty()) detail += ", ";
    detail += std::string(kDropNames[i]) + " " + std::to_string(drops[i]);
  }
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}

std::string ResponderCounters::Json() const {
  const NamedValue scalars[] = {
      {"received", received},
      {"arp_replies", arp_replies},
      {"icmpv4_echo_replies", icmpv4_echo_replies},
      {"icmpv6_echo_replies", icmpv6_echo_replies},
      {"neighbor_advertisements", neighbor_advertisements},
      {"udp_echoes", udp_echoes},
      {"tx_failed", tx_failed},
  };
  // Every name is a snake_case literal: nothing needs escaping.
  std::string s = "{";
  for (const auto& [name, value] : scalars) {
    s += "\"" + std::string(name) + "\":" + std::to_string(value) + ",";
  }
  s += "\"drops\":{";
  for (size_t i = 0; i < kDropCount; ++i) {
    if (i > 0) s += ",";
    s += "\"" + std::string(kDropNames[i]) + "\":" + std::to_string(drops[i]);
  }
  s += "}}";
  return s;
}

ResponderCounters ResponderCounterSet::Snapshot() const {
  auto load = [](const std::atomic<uint64_t>& c) {
    return c.load(std::memory_order_relaxed);
  };
  auto reply = [&](ResponderReply r) {
    return load(replies_[static_cast<size_t>(r)]);
  };
  ResponderCounters c;
  c.received = load(received_);
  c.arp_replies = reply(ResponderReply::kArp);
  c.icmpv4_echo_replies = reply(ResponderReply::kIcmpv4Echo);
  c.icmpv6_echo_replies = reply(ResponderReply::kIcmpv6Echo);
  c.neighbor_advertisements = reply(ResponderReply::kNeighborAdvertisement);
  c.udp_echoes = reply(ResponderReply::kUdpEcho);
  c.tx_failed = load(tx_failed_);
  for (size_t i = 0; i < kDropCount; ++i) c.drops[i] = load(drops_[i]);
  return c;
}

}  // namespace fdlink::responder
