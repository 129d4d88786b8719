// The Internet checksum (RFC 1071): the one's-complement sum over bytes,
// pseudo-header sums for IPv4 and IPv6, incremental update (RFC 1624) and
// compute/verify helpers for TCP, UDP, ICMPv4 and ICMPv6.
//
// Convention: a "sum" is the folded one's-complement sum of 16-bit
// big-endian words (what Checksum returns); a checksum *field* holds the
// complement of the sum. A packet verifies when the sum over it, checksum
// field included, is 0xffff.
#ifndef FDLINK_HEADER_CHECKSUM_H_
#define FDLINK_HEADER_CHECKSUM_H_

#include <cstdint>
#include <span>

#include "fdlink/header/ip_address.h"

namespace fdlink::header {

// Checksum returns the folded one's-complement sum of b, read as big-endian
// 16-bit words (a trailing odd byte is the high byte of a final word padded
// with zero), added to `initial` (itself any partial sum). The result is 0
// only when every word and `initial` are zero. It does not complement.
uint16_t Checksum(std::span<const uint8_t> b, uint32_t initial = 0);

// ChecksumCombine adds two sums in one's complement. Combining the sums of
// consecutive chunks equals the sum of their concatenation when every chunk
// but the last has even length (use ChecksumAccumulator otherwise).
uint16_t ChecksumCombine(uint16_t a, uint16_t b);

// ChecksumAccumulator sums data that arrives in chunks of any length (e.g.
// the views of a scatter-gather packet). Not thread-safe.
class ChecksumAccumulator {
 public:
  explicit ChecksumAccumulator(uint16_t initial = 0) : sum_(initial) {}
  // Add appends b to the summed data.
  void Add(std::span<const uint8_t> b);
  // sum returns the sum of all the data added so far (plus initial).
  uint16_t sum() const { return sum_; }

 private:
  uint16_t sum_;
  bool odd_ = false;  // An odd number of bytes has been added so far.
};

// PseudoHeaderChecksum returns the sum of the IPv4 pseudo header (RFC 793):
// src, dst, zero, protocol and the transport length (header + payload).
uint16_t PseudoHeaderChecksum(uint8_t protocol, const Ipv4Address& src,
                              const Ipv4Address& dst, uint16_t length);
// PseudoHeaderChecksum returns the sum of the IPv6 pseudo header (RFC 8200
// 8.1): src, dst, 32-bit upper-layer length and next header.
uint16_t PseudoHeaderChecksum(uint8_t protocol, const Ipv6Address& src,
                              const Ipv6Address& dst, uint32_t length);

// ChecksumUpdate16 returns the new checksum field after a covered 16-bit
// word changed from old_value to new_value (RFC 1624 eqn. 3), without
// re-summing the packet. It equals the recomputed field except when every
// covered word other than the checksum is now zero: then it is 0x0000, not
// 0xffff (which cannot happen in an IP header, whose version is non-zero).
uint16_t ChecksumUpdate16(uint16_t checksum, uint16_t old_value,
                          uint16_t new_value);

// TcpChecksum, UdpChecksum, Icmpv4Checksum and Icmpv6Checksum return the
// value to store in the checksum field of `segment` (the transport header
// and its payload); the field's current contents are ignored. UdpChecksum
// never returns 0 (0 means "no checksum" in UDP; 0xffff is sent instead).
// `segment` shorter than the fixed header is summed as is.
uint16_t TcpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                     std::span<const uint8_t> segment);
uint16_t TcpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                     std::span<const uint8_t> segment);
uint16_t UdpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                     std::span<const uint8_t> segment);
uint16_t UdpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                     std::span<const uint8_t> segment);
uint16_t Icmpv4Checksum(std::span<const uint8_t> message);
uint16_t Icmpv6Checksum(const Ipv6Address& src, const Ipv6Address& dst,
                        std::span<const uint8_t> message);

// VerifyTcpChecksum etc. report whether the checksum stored in `segment`
// is correct. Over IPv4 a UDP checksum of 0 (none) verifies; over IPv6 it
// does not (RFC 8200 8.1).
bool VerifyTcpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                       std::span<const uint8_t> segment);
bool VerifyTcpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                       std::span<const uint8_t> segment);
bool VerifyUdpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                       std::span<const uint8_t> segment);
bool VerifyUdpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                       std::span<const uint8_t> segment);
bool VerifyIcmpv4Checksum(std::span<const uint8_t> message);
bool VerifyIcmpv6Checksum(const Ipv6Address& src, const Ipv6Address& dst,
                          std::span<const uint8_t> message);

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_CHECKSUM_H_
