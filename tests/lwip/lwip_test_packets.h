// Helpers of the lwip layer's tests: addresses from text and a valid
// IPv4 TCP segment.
#ifndef FDLINK_TESTS_LWIP_LWIP_TEST_PACKETS_H_
#define FDLINK_TESTS_LWIP_LWIP_TEST_PACKETS_H_

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

}  // namespace fdlink::lwip

#endif  // FDLINK_TESTS_LWIP_LWIP_TEST_PACKETS_H_
