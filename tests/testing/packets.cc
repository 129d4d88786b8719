#include "testing/packets.h"

#include <cstdlib>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/ip_protocols.h"
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

void FillUdp(std::span<uint8_t> udp, uint16_t sport, uint16_t dport,
             size_t payload_size) {
  header::MutableUdp u(udp);
  u.SetSrcPort(sport);
  u.SetDstPort(dport);
  u.SetLength(static_cast<uint16_t>(8 + payload_size));
  u.SetChecksum(0);
  std::vector<uint8_t> p = Pattern(payload_size, static_cast<uint8_t>(sport));
  std::copy(p.begin(), p.end(), udp.begin() + 8);
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
  std::vector<uint8_t> b(20 + 8 + payload_size);
  header::MutableIpv4 ip{std::span<uint8_t>(b)};
  ip.SetVersion(4);
  ip.SetHeaderLength(20);
  ip.SetTotalLength(static_cast<uint16_t>(b.size()));
  ip.SetTtl(64);
  ip.SetProtocol(header::ip_proto::kUdp);
  const auto s = Must(header::Ipv4Address::Parse(src));
  const auto d = Must(header::Ipv4Address::Parse(dst));
  ip.SetSrc(s);
  ip.SetDst(d);
  ip.SetChecksum(ip.CalculateChecksum());
  std::span<uint8_t> udp = std::span<uint8_t>(b).subspan(20);
  FillUdp(udp, sport, dport, payload_size);
  header::MutableUdp(udp).SetChecksum(header::UdpChecksum(s, d, udp));
  return b;
}

std::vector<uint8_t> Ipv6Udp(std::string_view src, std::string_view dst,
                             uint16_t sport, uint16_t dport,
                             size_t payload_size, bool extensions) {
  const size_t ext = extensions ? 16 : 0;
  std::vector<uint8_t> b(40 + ext + 8 + payload_size);
  header::MutableIpv6 ip{std::span<uint8_t>(b)};
  ip.SetVersion(6);
  ip.SetPayloadLength(static_cast<uint16_t>(b.size() - 40));
  ip.SetHopLimit(64);
  const auto s = Must(header::Ipv6Address::Parse(src));
  const auto d = Must(header::Ipv6Address::Parse(dst));
  ip.SetSrc(s);
  ip.SetDst(d);
  if (extensions) {
    ip.SetNextHeader(header::ip_proto::kIpv6HopByHop);
    // Hop-by-hop: next = destination options, length 0 (8 bytes), PadN.
    b[40] = header::ip_proto::kIpv6DestinationOptions;
    b[41] = 0;
    b[42] = 1;  // PadN
    b[43] = 4;
    // Destination options: next = UDP.
    b[48] = header::ip_proto::kUdp;
    b[49] = 0;
    b[50] = 1;
    b[51] = 4;
  } else {
    ip.SetNextHeader(header::ip_proto::kUdp);
  }
  std::span<uint8_t> udp = std::span<uint8_t>(b).subspan(40 + ext);
  FillUdp(udp, sport, dport, payload_size);
  header::MutableUdp(udp).SetChecksum(header::UdpChecksum(s, d, udp));
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
