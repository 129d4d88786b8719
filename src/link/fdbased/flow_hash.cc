#include "link/fdbased/flow_hash.h"

#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ipv6_extensions.h"

namespace fdlink::fdbased {
namespace {

// Mixer folds bytes into a seeded 32-bit state (murmur3-style rounds and
// finaliser): cheap, and good enough to spread flows evenly.
class Mixer {
 public:
  explicit Mixer(uint32_t seed) : h_(seed) {}
  void Add(std::span<const uint8_t> b) {
    for (size_t i = 0; i < b.size(); ++i) {
      w_ = (w_ << 8) | b[i];
      if (++n_ % 4 == 0) Round();
    }
  }
  void Add16(uint16_t v) {
    const uint8_t b[2] = {static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v)};
    Add(b);
  }
  uint32_t Finish() {
    if (n_ % 4 != 0) Round();
    uint32_t h = h_ ^ n_;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
  }

 private:
  void Round() {
    uint32_t k = w_ * 0xcc9e2d51u;
    k = (k << 15) | (k >> 17);
    k *= 0x1b873593u;
    h_ ^= k;
    h_ = (h_ << 13) | (h_ >> 19);
    h_ = h_ * 5 + 0xe6546b64u;
    w_ = 0;
  }
  uint32_t h_;
  uint32_t w_ = 0;
  uint32_t n_ = 0;
};

// AddPorts mixes in the two ports of a TCP/UDP header at `l4`, if present.
void AddPorts(Mixer& m, uint8_t proto, std::span<const uint8_t> l4) {
  if (proto != header::ip_proto::kTcp && proto != header::ip_proto::kUdp)
    return;
  if (l4.size() < 4) return;
  m.Add(l4.first(4));
}

}  // namespace

uint32_t FlowHash(uint32_t seed, NetworkProtocolNumber proto,
                  std::span<const uint8_t> pkt) {
  Mixer m(seed);
  if (proto == kIPv4ProtocolNumber) {
    Result<header::Ipv4> ip = header::Ipv4::Parse(pkt);
    if (!ip) return 0;
    m.Add(ip->src().bytes());
    m.Add(ip->dst().bytes());
    if (!ip->IsFragment()) AddPorts(m, ip->protocol(), ip->payload());
    return m.Finish();
  }
  if (proto == kIPv6ProtocolNumber) {
    Result<header::Ipv6> ip = header::Ipv6::Parse(pkt);
    if (!ip) return 0;
    m.Add(ip->src().bytes());
    m.Add(ip->dst().bytes());
    Result<header::Ipv6TransportInfo> t = header::FindIpv6Transport(*ip);
    if (t && !t->fragment) AddPorts(m, t->protocol, pkt.subspan(t->offset));
    return m.Finish();
  }
  return 0;
}

}  // namespace fdlink::fdbased
