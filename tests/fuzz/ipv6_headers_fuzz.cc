// Fuzz target ipv6_headers: Ipv6View on arbitrary bytes (acceptance rule,
// fields, lengths, write-back through MutableIpv6), the extension-header
// walker (every header inside the packet, offsets increasing, hop-by-hop
// only first, at most one fragment header, a bounded walk that agrees with
// FindIpv6Transport), then NDP and every transport parser on the
// upper-layer payload.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/header/bytes.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ipv6_extensions.h"
#include "fdlink/header/ndp.h"
#include "support/fuzz_check.h"
#include "support/transport_checks.h"

namespace {

namespace header = fdlink::header;

// Walk steps through the chain of `ip` and returns where the upper layer
// starts, or nullopt when the chain is malformed.
std::optional<size_t> Walk(header::Ipv6 ip) {
  const std::span<const uint8_t> packet = ip.packet();
  header::Ipv6ExtensionWalker w(ip);
  size_t last = 0;
  int fragments = 0;
  bool ok = true;
  for (size_t step = 0;; ++step) {
    // Each header is at least 8 bytes, so the walk is bounded.
    FUZZ_CHECK(step <= packet.size() / 8 + 1);
    auto h = w.Next();
    if (!h) {
      ok = false;
      break;
    }
    if (!h->has_value()) break;
    const header::Ipv6ExtensionHeader& e = **h;
    FUZZ_CHECK(header::IsIpv6ExtensionHeader(e.type));
    FUZZ_CHECK(e.offset >= header::kIpv6FixedHeaderSize && e.offset > last);
    FUZZ_CHECK(e.bytes.size() >= 8 && e.bytes.size() % 8 == 0);
    FUZZ_CHECK(e.offset + e.bytes.size() <= packet.size());
    FUZZ_CHECK(e.bytes.data() == packet.data() + e.offset);
    FUZZ_CHECK(e.next_header == e.bytes[0]);
    FUZZ_CHECK(e.type != header::ip_proto::kIpv6HopByHop ||
               e.offset == header::kIpv6FixedHeaderSize);
    if (e.type == header::ip_proto::kIpv6Fragment) ++fragments;
    FUZZ_CHECK(fragments <= 1);
    FUZZ_CHECK(w.offset() == e.offset + e.bytes.size());
    last = e.offset;
  }
  auto t = header::FindIpv6Transport(ip);
  FUZZ_CHECK(t.has_value() == ok);
  if (!ok) return std::nullopt;
  FUZZ_CHECK(w.offset() <= packet.size());
  FUZZ_CHECK(t->offset == w.offset() && t->protocol == w.protocol());
  FUZZ_CHECK(t->fragment.has_value() == (fragments == 1));
  // Once done, the walker stays done.
  auto again = w.Next();
  FUZZ_CHECK(again.has_value() && !again->has_value());
  return w.offset();
}

void CheckNdp(std::span<const uint8_t> m) {
  auto ns = header::NdpNeighbor::Parse(m);
  if (!ns) {
    // Unchecked option iteration on anything stays in bounds.
    size_t seen = 0;
    for (header::NdpOption o : header::NdpOptions(m)) {
      seen += o.body.size() + 2;
      FUZZ_CHECK(seen <= m.size());
    }
    return;
  }
  FUZZ_CHECK(m.size() >= header::kNdpNeighborMinimumSize);
  FUZZ_CHECK(m[0] == header::icmpv6_type::kNeighborSolicitation ||
             m[0] == header::icmpv6_type::kNeighborAdvertisement);
  FUZZ_CHECK(m[1] == 0);
  const header::Ipv6Address target = ns->target();
  FUZZ_CHECK(
      std::equal(target.bytes().begin(), target.bytes().end(), m.begin() + 8));
  // Options of a parsed message tile the options area exactly.
  size_t consumed = 0;
  for (header::NdpOption o : ns->options()) {
    const std::span<const uint8_t> at =
        m.subspan(header::kNdpNeighborMinimumSize + consumed);
    FUZZ_CHECK(at.size() >= 2 && at[1] != 0);
    FUZZ_CHECK(o.type == at[0]);
    FUZZ_CHECK(o.body.size() == size_t{at[1]} * 8 - 2);
    FUZZ_CHECK(o.body.data() == at.data() + 2);
    consumed += size_t{at[1]} * 8;
  }
  FUZZ_CHECK(consumed == m.size() - header::kNdpNeighborMinimumSize);
  for (uint8_t type : {header::ndp_option::kSourceLinkLayerAddress,
                       header::ndp_option::kTargetLinkLayerAddress}) {
    auto mac = ns->options().LinkLayerAddress(type);
    if (!mac) continue;
    bool found = false;
    for (header::NdpOption o : ns->options()) {
      if (o.type == type && o.body.size() >= 6 &&
          std::equal(mac->begin(), mac->end(), o.body.begin())) {
        found = true;
        break;
      }
    }
    FUZZ_CHECK(found);
  }
}

void CheckIpv6(std::span<const uint8_t> b) {
  auto ip = header::Ipv6::Parse(b);
  const bool valid =
      b.size() >= header::kIpv6FixedHeaderSize && (b[0] >> 4) == 6 &&
      header::kIpv6FixedHeaderSize + header::LoadBe16(b, 4) <= b.size();
  FUZZ_CHECK(ip.has_value() == valid);
  if (b.size() >= header::kIpv6FixedHeaderSize && !valid) {
    // The walker is bounded by the buffer even over a bad header.
    (void)Walk(header::Ipv6(b));
  }
  if (!ip) return;
  FUZZ_CHECK(ip->payload().size() == header::LoadBe16(b, 4));
  FUZZ_CHECK(ip->packet().size() ==
             header::kIpv6FixedHeaderSize + ip->payload_length());
  FUZZ_CHECK(ip->next_header() == b[6] && ip->hop_limit() == b[7]);
  FUZZ_CHECK(ip->flow_label() == (header::LoadBe32(b, 0) & 0xfffff));
  std::vector<uint8_t> copy(b.begin(), b.end());
  std::fill(copy.begin(), copy.begin() + header::kIpv6FixedHeaderSize, 0);
  header::MutableIpv6 m{std::span<uint8_t>(copy)};
  m.SetVersion(ip->version());
  m.SetTrafficClass(ip->traffic_class());
  m.SetFlowLabel(ip->flow_label());
  m.SetPayloadLength(ip->payload_length());
  m.SetNextHeader(ip->next_header());
  m.SetHopLimit(ip->hop_limit());
  m.SetSrc(ip->src());
  m.SetDst(ip->dst());
  FUZZ_CHECK(std::equal(copy.begin(), copy.end(), b.begin(), b.end()));

  std::optional<size_t> l4 = Walk(*ip);
  if (!l4) return;
  const std::span<const uint8_t> upper = ip->packet().subspan(*l4);
  CheckNdp(upper);
  fdlink::fuzz::CheckTransportParsers(upper);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckIpv6({data, size});
  return 0;
}
