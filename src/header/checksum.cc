#include "fdlink/header/checksum.h"

#include <bit>
#include <cstring>
#include <type_traits>

#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"

namespace fdlink::header {
namespace {

// AddCarry adds w to acc with end-around carry (one's-complement addition
// modulo 2^64 - 1, which 0xffff divides).
inline uint64_t AddCarry(uint64_t acc, uint64_t w) {
  acc += w;
  return acc + (acc < w ? 1 : 0);
}

// Fold reduces a 64-bit one's-complement sum to 16 bits. Non-zero stays
// non-zero.
inline uint16_t Fold(uint64_t v) {
  v = (v & 0xffffffff) + (v >> 32);
  v = (v & 0xffffffff) + (v >> 32);
  v = (v & 0xffff) + (v >> 16);
  v = (v & 0xffff) + (v >> 16);
  v = (v & 0xffff) + (v >> 16);
  return static_cast<uint16_t>(v);
}

inline uint16_t ToBigEndianSum(uint16_t native_sum) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<uint16_t>((native_sum << 8) | (native_sum >> 8));
  }
  return native_sum;
}

// NativeSum sums b as 16-bit words in host byte order. One's-complement
// addition commutes with byte swapping (RFC 1071 2(B)), so the caller swaps
// the folded result once instead of swapping every word. Words are loaded
// with memcpy, eight bytes at a time.
uint16_t NativeSum(const uint8_t* p, size_t n) {
  uint64_t a0 = 0, a1 = 0;
  while (n >= 16) {
    uint64_t w0, w1;
    std::memcpy(&w0, p, 8);
    std::memcpy(&w1, p + 8, 8);
    a0 = AddCarry(a0, w0);
    a1 = AddCarry(a1, w1);
    p += 16;
    n -= 16;
  }
  uint64_t acc = AddCarry(a0, a1);
  if (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    acc = AddCarry(acc, w);
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    acc = AddCarry(acc, w);
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    acc = AddCarry(acc, w);
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    // The odd byte is the high-order byte of a zero-padded word.
    const uint8_t pad[2] = {*p, 0};
    uint16_t w;
    std::memcpy(&w, pad, 2);
    acc = AddCarry(acc, w);
  }
  return Fold(acc);
}

// FieldValue turns a sum into the value stored in a checksum field.
inline uint16_t FieldValue(uint16_t sum) { return static_cast<uint16_t>(~sum); }

// SumSkipping sums segment with the 16-bit field at `field` read as zero,
// starting from `initial`. `field` is even, so the halves combine directly.
uint16_t SumSkipping(std::span<const uint8_t> segment, size_t field,
                     uint16_t initial) {
  if (segment.size() < field + 2) return Checksum(segment, initial);
  uint16_t head = Checksum(segment.first(field), initial);
  return Checksum(segment.subspan(field + 2), head);
}

// PseudoSum sums the pseudo header for `segment`. IPv4 segments never
// exceed 64 KiB, so the 16-bit length is exact there.
template <typename Addr>
uint16_t PseudoSum(uint8_t protocol, const Addr& src, const Addr& dst,
                   std::span<const uint8_t> segment) {
  if constexpr (std::is_same_v<Addr, Ipv4Address>) {
    return PseudoHeaderChecksum(protocol, src, dst,
                                static_cast<uint16_t>(segment.size()));
  } else {
    return PseudoHeaderChecksum(protocol, src, dst,
                                static_cast<uint32_t>(segment.size()));
  }
}

// ComputeField returns the checksum field value for a transport segment
// whose checksum lives at `field`.
template <typename Addr>
uint16_t ComputeField(uint8_t protocol, size_t field, const Addr& src,
                      const Addr& dst, std::span<const uint8_t> segment) {
  uint16_t pseudo = PseudoSum(protocol, src, dst, segment);
  return FieldValue(SumSkipping(segment, field, pseudo));
}

// Verifies reports whether segment's stored checksum is right.
template <typename Addr>
bool Verifies(uint8_t protocol, const Addr& src, const Addr& dst,
              std::span<const uint8_t> segment) {
  return Checksum(segment, PseudoSum(protocol, src, dst, segment)) == 0xffff;
}

// UdpField maps a computed 0 to 0xffff, since 0 means "no checksum".
inline uint16_t UdpField(uint16_t c) { return c == 0 ? 0xffff : c; }

// HasNoUdpChecksum is true when a UDP segment's checksum field is 0.
inline bool HasNoUdpChecksum(std::span<const uint8_t> segment) {
  return segment.size() >= kUdpMinimumSize &&
         LoadBe16(segment, kUdpChecksumOffset) == 0;
}

}  // namespace

uint16_t Checksum(std::span<const uint8_t> b, uint32_t initial) {
  uint16_t data = ToBigEndianSum(NativeSum(b.data(), b.size()));
  return Fold(uint64_t{data} + initial);
}

uint16_t ChecksumCombine(uint16_t a, uint16_t b) {
  return Fold(uint64_t{a} + b);
}

void ChecksumAccumulator::Add(std::span<const uint8_t> b) {
  if (b.empty()) return;
  if (odd_) {
    // b[0] completes the word whose high byte ended the previous chunk.
    sum_ = ChecksumCombine(sum_, b[0]);
    b = b.subspan(1);
    odd_ = false;
  }
  sum_ = Checksum(b, sum_);
  odd_ = (b.size() % 2) != 0;
}

uint16_t PseudoHeaderChecksum(uint8_t protocol, const Ipv4Address& src,
                              const Ipv4Address& dst, uint16_t length) {
  uint16_t s = Checksum(src.bytes(), uint32_t{protocol} + length);
  return Checksum(dst.bytes(), s);
}

uint16_t PseudoHeaderChecksum(uint8_t protocol, const Ipv6Address& src,
                              const Ipv6Address& dst, uint32_t length) {
  uint32_t initial = (length >> 16) + (length & 0xffff) + protocol;
  uint16_t s = Checksum(src.bytes(), initial);
  return Checksum(dst.bytes(), s);
}

uint16_t ChecksumUpdate16(uint16_t checksum, uint16_t old_value,
                          uint16_t new_value) {
  uint64_t s = uint64_t{static_cast<uint16_t>(~checksum)} +
               static_cast<uint16_t>(~old_value) + new_value;
  return FieldValue(Fold(s));
}

uint16_t TcpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                     std::span<const uint8_t> segment) {
  return ComputeField(ip_proto::kTcp, kTcpChecksumOffset, src, dst, segment);
}

uint16_t TcpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                     std::span<const uint8_t> segment) {
  return ComputeField(ip_proto::kTcp, kTcpChecksumOffset, src, dst, segment);
}

uint16_t UdpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                     std::span<const uint8_t> segment) {
  return UdpField(
      ComputeField(ip_proto::kUdp, kUdpChecksumOffset, src, dst, segment));
}

uint16_t UdpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                     std::span<const uint8_t> segment) {
  return UdpField(
      ComputeField(ip_proto::kUdp, kUdpChecksumOffset, src, dst, segment));
}

uint16_t Icmpv4Checksum(std::span<const uint8_t> message) {
  return FieldValue(SumSkipping(message, kIcmpv4ChecksumOffset, 0));
}

uint16_t Icmpv6Checksum(const Ipv6Address& src, const Ipv6Address& dst,
                        std::span<const uint8_t> message) {
  return ComputeField(ip_proto::kIcmpv6, kIcmpv6ChecksumOffset, src, dst,
                      message);
}

bool VerifyTcpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                       std::span<const uint8_t> segment) {
  return Verifies(ip_proto::kTcp, src, dst, segment);
}

bool VerifyTcpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                       std::span<const uint8_t> segment) {
  return Verifies(ip_proto::kTcp, src, dst, segment);
}

bool VerifyUdpChecksum(const Ipv4Address& src, const Ipv4Address& dst,
                       std::span<const uint8_t> segment) {
  // Over IPv4 a zero field means the sender did not compute a checksum.
  return HasNoUdpChecksum(segment) ||
         Verifies(ip_proto::kUdp, src, dst, segment);
}

bool VerifyUdpChecksum(const Ipv6Address& src, const Ipv6Address& dst,
                       std::span<const uint8_t> segment) {
  // Over IPv6 the checksum is mandatory (RFC 8200 8.1).
  return !HasNoUdpChecksum(segment) &&
         Verifies(ip_proto::kUdp, src, dst, segment);
}

bool VerifyIcmpv4Checksum(std::span<const uint8_t> message) {
  return Checksum(message) == 0xffff;
}

bool VerifyIcmpv6Checksum(const Ipv6Address& src, const Ipv6Address& dst,
                          std::span<const uint8_t> message) {
  return Verifies(ip_proto::kIcmpv6, src, dst, message);
}

}  // namespace fdlink::header
