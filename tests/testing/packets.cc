#include "testing/packets.h"

#include <cstdlib>

#include "fdlink/header/builder.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"

namespace fdlink::testing {
namespace {

template <typename T>
T Must(Result<T> r) {
  if (!r) std::abort();
  return std::move(r).value();
}

// WithPayload returns a packet of `headers` zero bytes followed by
// `payload_size` pattern bytes seeded by the source port.
std::vector<uint8_t> WithPayload(size_t headers, uint16_t sport,
                                 size_t payload_size) {
  std::vector<uint8_t> b(headers);
  std::vector<uint8_t> p = Pattern(payload_size, static_cast<uint8_t>(sport));
  b.insert(b.end(), p.begin(), p.end());
  return b;
}

}  // namespace

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

std::vector<uint8_t> Ipv4Udp(std::string_view src, std::string_view dst,
                             uint16_t sport, uint16_t dport,
                             size_t payload_size) {
  std::vector<uint8_t> b = WithPayload(
      header::kIpv4MinimumSize + header::kUdpMinimumSize, sport, payload_size);
  Must(header::WriteIpv4Udp(b, Must(header::Ipv4Address::Parse(src)),
                            Must(header::Ipv4Address::Parse(dst)),
                            {sport, dport}));
  return b;
}

std::vector<uint8_t> Ipv6Udp(std::string_view src, std::string_view dst,
                             uint16_t sport, uint16_t dport,
                             size_t payload_size, bool extensions) {
  const size_t ext = extensions ? header::kIpv6PadExtensionsSize : 0;
  std::vector<uint8_t> b =
      WithPayload(header::kIpv6FixedHeaderSize + ext + header::kUdpMinimumSize,
                  sport, payload_size);
  Must(header::WriteIpv6Udp(b, Must(header::Ipv6Address::Parse(src)),
                            Must(header::Ipv6Address::Parse(dst)),
                            {sport, dport}, extensions));
  return b;
}

std::vector<uint8_t> EthernetFrame(MacAddress dst, MacAddress src,
                                   uint16_t ether_type,
                                   std::span<const uint8_t> payload) {
  std::vector<uint8_t> b(header::kEthernetHeaderSize + payload.size());
  header::MutableEthernet eth{std::span<uint8_t>(b)};
  eth.SetDst(dst.bytes());
  eth.SetSrc(src.bytes());
  eth.SetEtherType(ether_type);
  std::copy(payload.begin(), payload.end(),
            b.begin() + header::kEthernetHeaderSize);
  return b;
}

}  // namespace fdlink::testing
