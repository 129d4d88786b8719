#include "fdlink/responder/counters.h"

#include <array>
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

namespace {

// ReplyKinds lists the replies by kind, under the names both renderings use.
std::array<NamedValue, 5> ReplyKinds(const ResponderCounters& c) {
  return {{{"arp_replies", c.arp_replies},
           {"icmpv4_echo_replies", c.icmpv4_echo_replies},
           {"icmpv6_echo_replies", c.icmpv6_echo_replies},
           {"neighbor_advertisements", c.neighbor_advertisements},
           {"udp_echoes", c.udp_echoes}}};
}

}  // namespace

std::string ResponderCounters::Summary() const {
  // The same names as Json(), so a reader of either finds the other's.
  std::string s = "received " + std::to_string(received) + ", replied " +
                  std::to_string(replies()) + " (";
  const char* sep = "";
  for (const auto& [name, value] : ReplyKinds(*this)) {
    s += sep + std::string(name) + " " + std::to_string(value);
    sep = ", ";
  }
  s += "), tx_failed " + std::to_string(tx_failed) + ", dropped " +
       std::to_string(total_drops());
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
  // Every name is a snake_case literal: nothing needs escaping.
  auto field = [](std::string_view name, uint64_t value) {
    return "\"" + std::string(name) + "\":" + std::to_string(value) + ",";
  };
  std::string s =
      "{" + field("received", received) + field("replied", replies());
  for (const auto& [name, value] : ReplyKinds(*this)) s += field(name, value);
  s += field("tx_failed", tx_failed) + field("dropped", total_drops()) +
       "\"drops\":{";
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
