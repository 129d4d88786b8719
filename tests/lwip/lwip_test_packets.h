// Helpers of the lwip layer's tests: addresses from text and a valid
// IPv4 TCP segment and ICMPv4 echo request.
#ifndef FDLINK_TESTS_LWIP_LWIP_TEST_PACKETS_H_
#define FDLINK_TESTS_LWIP_LWIP_TEST_PACKETS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/tcp.h"

namespace fdlink::lwip {

// V4 and V6 parse an address (the test's own literals: never invalid).
inline header::Ipv4Address V4(const char* s) {
  return header::Ipv4Address::Parse(s).value();
}
inline header::Ipv6Address V6(const char* s) {
  return header::Ipv6Address::Parse(s).value();
}

// Tcp4Packet is a valid IPv4 TCP segment with `payload` bytes.
inline std::vector<uint8_t> Tcp4Packet(const char* src, uint16_t sport,
                                       const char* dst, uint16_t dport,
                                       uint8_t flags, size_t payload) {
  std::vector<uint8_t> b(20 + 20 + payload);
  for (size_t i = 40; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 7);
  header::MutableIpv4 ip(b);
  ip.SetVersion(4);
  ip.SetHeaderLength(20);
  ip.SetTotalLength(static_cast<uint16_t>(b.size()));
  ip.SetId(0x1234);
  ip.SetTtl(64);
  ip.SetProtocol(6);
  ip.SetSrc(V4(src));
  ip.SetDst(V4(dst));
  ip.UpdateChecksum();
  header::MutableTcp t(std::span<uint8_t>(b).subspan(20));
  t.SetSrcPort(sport);
  t.SetDstPort(dport);
  t.SetSeq(0xdeadbeef);
  t.SetDataOffset(20);
  t.SetFlags(flags);
  t.SetWindow(65535);
  t.SetChecksum(
      header::TcpChecksum(V4(src), V4(dst), std::span(b).subspan(20)));
  return b;
}

// Echo4 builds an ICMPv4 echo request with ident 0x1234, seq 7 and `data`.
inline std::vector<uint8_t> Echo4(const char* src, const char* dst,
                                  std::span<const uint8_t> data) {
  std::vector<uint8_t> b(28 + data.size());
  header::MutableIpv4 ip(b);
  ip.SetVersion(4);
  ip.SetHeaderLength(20);
  ip.SetTotalLength(static_cast<uint16_t>(b.size()));
  ip.SetTtl(3);
  ip.SetProtocol(1);
  ip.SetSrc(V4(src));
  ip.SetDst(V4(dst));
  ip.UpdateChecksum();
  b[20] = 8;
  b[24] = 0x12;
  b[25] = 0x34;
  b[27] = 7;
  std::copy(data.begin(), data.end(), b.begin() + 28);
  const uint16_t c = header::Icmpv4Checksum(std::span(b).subspan(20));
  b[22] = static_cast<uint8_t>(c >> 8);
  b[23] = static_cast<uint8_t>(c);
  return b;
}

}  // namespace fdlink::lwip

#endif  // FDLINK_TESTS_LWIP_LWIP_TEST_PACKETS_H_
