// Fuzz target checksum: fdlink/header/checksum.h against the naive
// reference (support/naive_checksum.h) on arbitrary data: the plain sum at
// every alignment and with any initial value, chunked accumulation with odd
// chunk lengths, combining, the pseudo headers, the RFC 1624 incremental
// update, and each transport checksum computed and verified.
//
// Input: a 4-byte initial value, an offset byte, a chunk-length byte, a
// field-position byte, a 2-byte new word, a protocol byte, 32 address bytes,
// then the data.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"
#include "support/fuzz_check.h"
#include "support/naive_checksum.h"

namespace {

using fdlink::fuzz::FuzzInput;
using fdlink::fuzz::NaivePseudoHeader4;
using fdlink::fuzz::NaivePseudoHeader6;
using fdlink::fuzz::NaiveSum;
using fdlink::fuzz::NaiveTransportSum;
namespace header = fdlink::header;

template <size_t N>
std::array<uint8_t, N> Bytes(FuzzInput& in) {
  std::array<uint8_t, N> a{};
  std::span<const uint8_t> s = in.Take(N);
  std::copy(s.begin(), s.end(), a.begin());
  return a;
}

void CheckSums(std::span<const uint8_t> data, uint32_t initial, size_t off) {
  FUZZ_CHECK(header::Checksum(data) == NaiveSum(data));
  FUZZ_CHECK(header::Checksum(data, initial) == NaiveSum(data, initial));
  // Every alignment: a sub-span starting at an odd or even address.
  std::span<const uint8_t> tail = data.subspan(std::min(off, data.size()));
  FUZZ_CHECK(header::Checksum(tail) == NaiveSum(tail));
}

void CheckAccumulator(std::span<const uint8_t> data, uint8_t chunk_seed,
                      uint16_t initial) {
  header::ChecksumAccumulator acc(initial);
  size_t pos = 0;
  size_t len = chunk_seed % 7;  // Chunks of 0..6 bytes, odd ones included.
  while (pos < data.size()) {
    size_t n = std::min(len, data.size() - pos);
    acc.Add(data.subspan(pos, n));
    pos += n;
    len = (len * 5 + 3) % 7;
  }
  FUZZ_CHECK(acc.sum() == NaiveSum(data, initial));
  // Combining the sums of an even-length head and any tail.
  const size_t split = std::min(data.size(), size_t{chunk_seed} & ~size_t{1});
  FUZZ_CHECK(header::ChecksumCombine(header::Checksum(data.first(split)),
                                     header::Checksum(data.subspan(split))) ==
             NaiveSum(data));
}

void CheckIncrementalUpdate(std::span<const uint8_t> data, uint8_t pos_seed,
                            uint16_t new_word) {
  if (data.size() < 4) return;
  std::vector<uint8_t> b(data.begin(), data.end());
  const size_t words = b.size() / 2;
  const size_t field = (pos_seed % words) * 2;
  const size_t changed = ((pos_seed / 2 + 1 + field / 2) % words) * 2;
  if (changed == field) return;
  b[field] = b[field + 1] = 0;
  const uint16_t csum = static_cast<uint16_t>(~NaiveSum(b));
  b[field] = static_cast<uint8_t>(csum >> 8);
  b[field + 1] = static_cast<uint8_t>(csum);
  FUZZ_CHECK(NaiveSum(b) == 0xffff);
  const uint16_t old_word =
      static_cast<uint16_t>((b[changed] << 8) | b[changed + 1]);
  b[changed] = static_cast<uint8_t>(new_word >> 8);
  b[changed + 1] = static_cast<uint8_t>(new_word);
  const uint16_t updated = header::ChecksumUpdate16(csum, old_word, new_word);
  b[field] = static_cast<uint8_t>(updated >> 8);
  b[field + 1] = static_cast<uint8_t>(updated);
  // With every other word now zero, eqn. 3 gives 0x0000 where summing gives
  // 0xffff (both are one's-complement zero); see ChecksumUpdate16.
  b[field] = b[field + 1] = 0;
  const bool rest_zero = NaiveSum(b) == 0;
  FUZZ_CHECK(updated == (rest_zero ? 0 : static_cast<uint16_t>(~NaiveSum(b))));
}

// StoreField writes `v` big-endian at `off` of a copy of `seg`.
std::vector<uint8_t> WithField(std::span<const uint8_t> seg, size_t off,
                               uint16_t v) {
  std::vector<uint8_t> b(seg.begin(), seg.end());
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
  return b;
}

bool FieldIsZero(std::span<const uint8_t> seg, size_t off) {
  return seg.size() >= off + 2 && seg[off] == 0 && seg[off + 1] == 0;
}

void CheckTransport4(const header::Ipv4Address& src,
                     const header::Ipv4Address& dst,
                     std::span<const uint8_t> seg) {
  auto pseudo = [&](uint8_t proto) {
    return NaivePseudoHeader4(src.bytes(), dst.bytes(), proto,
                              static_cast<uint16_t>(seg.size()));
  };
  const std::vector<uint8_t> udp = pseudo(header::ip_proto::kUdp);
  const std::vector<uint8_t> tcp = pseudo(header::ip_proto::kTcp);
  FUZZ_CHECK(header::PseudoHeaderChecksum(header::ip_proto::kUdp, src, dst,
                                          static_cast<uint16_t>(seg.size())) ==
             NaiveSum(udp));
  // Verification agrees with the naive sum (UDP over IPv4: 0 means none).
  FUZZ_CHECK(header::VerifyUdpChecksum(src, dst, seg) ==
             ((seg.size() >= 8 && FieldIsZero(seg, 6)) ||
              NaiveTransportSum(udp, seg) == 0xffff));
  FUZZ_CHECK(header::VerifyTcpChecksum(src, dst, seg) ==
             (NaiveTransportSum(tcp, seg) == 0xffff));
  FUZZ_CHECK(header::VerifyIcmpv4Checksum(seg) == (NaiveSum(seg) == 0xffff));
  // Computed fields verify.
  if (seg.size() >= 8) {
    const uint16_t u = header::UdpChecksum(src, dst, seg);
    FUZZ_CHECK(u != 0);
    FUZZ_CHECK(NaiveTransportSum(udp, WithField(seg, 6, u)) == 0xffff);
    FUZZ_CHECK(NaiveSum(WithField(seg, 2, header::Icmpv4Checksum(seg))) ==
               0xffff);
  }
  if (seg.size() >= 20) {
    FUZZ_CHECK(NaiveTransportSum(tcp, WithField(seg, 16,
                                                header::TcpChecksum(
                                                    src, dst, seg))) == 0xffff);
  }
}

void CheckTransport6(const header::Ipv6Address& src,
                     const header::Ipv6Address& dst,
                     std::span<const uint8_t> seg, uint32_t length) {
  FUZZ_CHECK(
      header::PseudoHeaderChecksum(header::ip_proto::kUdp, src, dst, length) ==
      NaiveSum(NaivePseudoHeader6(src.bytes(), dst.bytes(),
                                  header::ip_proto::kUdp, length)));
  auto pseudo = [&](uint8_t proto) {
    return NaivePseudoHeader6(src.bytes(), dst.bytes(), proto,
                              static_cast<uint32_t>(seg.size()));
  };
  const std::vector<uint8_t> udp = pseudo(header::ip_proto::kUdp);
  const std::vector<uint8_t> tcp = pseudo(header::ip_proto::kTcp);
  const std::vector<uint8_t> icmp = pseudo(header::ip_proto::kIcmpv6);
  // Over IPv6 a zero UDP checksum never verifies.
  FUZZ_CHECK(header::VerifyUdpChecksum(src, dst, seg) ==
             (!(seg.size() >= 8 && FieldIsZero(seg, 6)) &&
              NaiveTransportSum(udp, seg) == 0xffff));
  FUZZ_CHECK(header::VerifyTcpChecksum(src, dst, seg) ==
             (NaiveTransportSum(tcp, seg) == 0xffff));
  FUZZ_CHECK(header::VerifyIcmpv6Checksum(src, dst, seg) ==
             (NaiveTransportSum(icmp, seg) == 0xffff));
  if (seg.size() >= 8) {
    const uint16_t u = header::UdpChecksum(src, dst, seg);
    FUZZ_CHECK(u != 0);
    FUZZ_CHECK(NaiveTransportSum(udp, WithField(seg, 6, u)) == 0xffff);
    FUZZ_CHECK(
        NaiveTransportSum(
            icmp, WithField(seg, 2, header::Icmpv6Checksum(src, dst, seg))) ==
        0xffff);
  }
  if (seg.size() >= 20) {
    FUZZ_CHECK(NaiveTransportSum(tcp, WithField(seg, 16,
                                                header::TcpChecksum(
                                                    src, dst, seg))) == 0xffff);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in({data, size});
  const std::array<uint8_t, 4> init = Bytes<4>(in);
  const uint32_t initial = (uint32_t{init[0]} << 24) |
                           (uint32_t{init[1]} << 16) |
                           (uint32_t{init[2]} << 8) | init[3];
  const uint8_t off = in.U8();
  const uint8_t chunk = in.U8();
  const uint8_t field = in.U8();
  const uint16_t new_word = in.U16();
  const uint8_t len_hi = in.U8();
  const std::array<uint8_t, 16> a = Bytes<16>(in);
  const std::array<uint8_t, 16> b = Bytes<16>(in);
  const std::span<const uint8_t> rest = in.Rest();

  CheckSums(rest, initial, off);
  CheckAccumulator(rest, chunk, static_cast<uint16_t>(initial));
  CheckIncrementalUpdate(rest, field, new_word);
  CheckTransport4(header::Ipv4Address({a[0], a[1], a[2], a[3]}),
                  header::Ipv4Address({b[0], b[1], b[2], b[3]}), rest);
  // IPv6 upper-layer lengths are 32 bits: exercise the high half too.
  CheckTransport6(
      header::Ipv6Address(a), header::Ipv6Address(b), rest,
      (uint32_t{len_hi} << 16) | static_cast<uint32_t>(rest.size()));
  return 0;
}
