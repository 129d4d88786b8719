#include "fdlink/header/checksum.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "fdlink/header/ip_address.h"

namespace fdlink::header {
namespace {

// NaiveSum is the reference: big-endian byte pairs added one at a time.
uint16_t NaiveSum(std::span<const uint8_t> b, uint32_t initial) {
  uint64_t s = initial;
  for (size_t i = 0; i < b.size(); i += 2) {
    uint16_t hi = b[i];
    uint16_t lo = i + 1 < b.size() ? b[i + 1] : 0;
    s += static_cast<uint16_t>((hi << 8) | lo);
  }
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

Ipv4Address V4(const char* s) { return *Ipv4Address::Parse(s); }
Ipv6Address V6(const char* s) { return *Ipv6Address::Parse(s); }

TEST(ChecksumTest, Rfc1071Example) {
  // RFC 1071 section 3: the sum of these bytes is ddf2.
  const std::array<uint8_t, 8> b = {0x00, 0x01, 0xf2, 0x03,
                                    0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(Checksum(b), 0xddf2);
  EXPECT_EQ(static_cast<uint16_t>(~Checksum(b)), 0x220d);
}

TEST(ChecksumTest, EmptyAndInitial) {
  EXPECT_EQ(Checksum({}), 0);
  EXPECT_EQ(Checksum({}, 0x1234), 0x1234);
  EXPECT_EQ(Checksum({}, 0x12345), 0x2346);  // Folded end-around.
  EXPECT_EQ(Checksum({}, 0xffffffff), 0xffff);
  const std::array<uint8_t, 2> b = {0x00, 0x01};
  EXPECT_EQ(Checksum(b, 0xffff), 0x0001);
}

TEST(ChecksumTest, OddLengthsPadTheLastByte) {
  const std::array<uint8_t, 1> one = {0xab};
  EXPECT_EQ(Checksum(one), 0xab00);
  const std::array<uint8_t, 3> three = {0x01, 0x02, 0x03};
  EXPECT_EQ(Checksum(three), 0x0402);
  // 9 bytes crosses the 8-byte fast path.
  const std::array<uint8_t, 9> nine = {0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0x01};
  // 4 * ffff folds to ffff; ffff + 0100 folds to 0100.
  EXPECT_EQ(Checksum(nine), 0x0100);
}

TEST(ChecksumTest, AllOnesFoldToFfffNotZero) {
  std::vector<uint8_t> b(64, 0xff);
  EXPECT_EQ(Checksum(b), 0xffff);
}

TEST(ChecksumTest, RealIpv4Header) {
  // A well-known IPv4 header whose checksum is b861.
  std::array<uint8_t, 20> h = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                               0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                               0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(Checksum(h), 0xffff);
  h[10] = h[11] = 0;
  EXPECT_EQ(static_cast<uint16_t>(~Checksum(h)), 0xb861);
}

// A UDP/IPv6 datagram 2001:db8::1.12345 -> 2001:db8::2.53 carrying "hello"
// whose checksum is 301f.
constexpr std::array<uint8_t, 13> kUdp6 = {
    0x30, 0x39, 0x00, 0x35, 0x00, 0x0d, 0x30, 0x1f, 'h', 'e', 'l', 'l', 'o'};

TEST(ChecksumTest, UdpOverIpv6KnownVector) {
  Ipv6Address src = V6("2001:db8::1"), dst = V6("2001:db8::2");
  EXPECT_EQ(UdpChecksum(src, dst, kUdp6), 0x301f);
  EXPECT_TRUE(VerifyUdpChecksum(src, dst, kUdp6));
  EXPECT_FALSE(VerifyUdpChecksum(dst, V6("2001:db8::3"), kUdp6));
  std::array<uint8_t, 13> bad = kUdp6;
  bad[12] ^= 1;
  EXPECT_FALSE(VerifyUdpChecksum(src, dst, bad));
}

TEST(ChecksumTest, TcpOverIpv4KnownVector) {
  // SYN 198.18.0.1:40000 -> 198.18.0.2:80 with an MSS option; checksum 7077.
  const std::array<uint8_t, 24> syn = {
      0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
      0x60, 0x02, 0xfa, 0xf0, 0x70, 0x77, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};
  Ipv4Address src = V4("198.18.0.1"), dst = V4("198.18.0.2");
  EXPECT_EQ(TcpChecksum(src, dst, syn), 0x7077);
  EXPECT_TRUE(VerifyTcpChecksum(src, dst, syn));
  EXPECT_FALSE(VerifyTcpChecksum(dst, V4("198.18.0.3"), syn));
}

TEST(ChecksumTest, IcmpKnownVectors) {
  const std::array<uint8_t, 16> echo4 = {0x08, 0x00, 0x54, 0x35, 0x12, 0x34,
                                         0x00, 0x01, 'a',  'b',  'c',  'd',
                                         'e',  'f',  'g',  'h'};
  EXPECT_EQ(Icmpv4Checksum(echo4), 0x5435);
  EXPECT_TRUE(VerifyIcmpv4Checksum(echo4));

  const std::array<uint8_t, 16> echo6 = {0x80, 0x00, 0x80, 0x75, 0x12, 0x34,
                                         0x00, 0x01, 'a',  'b',  'c',  'd',
                                         'e',  'f',  'g',  'h'};
  Ipv6Address src = V6("2001:db8::1"), dst = V6("2001:db8::2");
  EXPECT_EQ(Icmpv6Checksum(src, dst, echo6), 0x8075);
  EXPECT_TRUE(VerifyIcmpv6Checksum(src, dst, echo6));
  EXPECT_FALSE(VerifyIcmpv6Checksum(dst, src, std::span(echo6).first(15)));
}

TEST(ChecksumTest, PseudoHeadersMatchExplicitBytes) {
  Ipv4Address s4 = V4("198.18.0.1"), d4 = V4("198.19.255.254");
  const std::array<uint8_t, 12> p4 = {198, 18,  0, 1,  198,  19,
                                      255, 254, 0, 17, 0x05, 0xdc};
  EXPECT_EQ(PseudoHeaderChecksum(17, s4, d4, 1500), NaiveSum(p4, 0));

  Ipv6Address s6 = V6("2001:db8::1"), d6 = V6("2001:db8:ffff::abcd");
  std::vector<uint8_t> p6(s6.bytes().begin(), s6.bytes().end());
  p6.insert(p6.end(), d6.bytes().begin(), d6.bytes().end());
  for (uint8_t x : {0x00, 0x01, 0x23, 0x45, 0x00, 0x00, 0x00, 58}) {
    p6.push_back(x);
  }
  EXPECT_EQ(PseudoHeaderChecksum(58, s6, d6, 0x12345), NaiveSum(p6, 0));
}

TEST(ChecksumTest, UdpNeverComputesZero) {
  Ipv4Address src = V4("198.18.0.1"), dst = V4("198.18.0.2");
  std::array<uint8_t, 10> udp = {0x10, 0x00, 0x20, 0x00, 0x00,
                                 0x0a, 0x00, 0x00, 0x00, 0x00};
  // Choose the last payload word so the whole sum becomes ffff, which
  // would make the complemented checksum 0.
  uint16_t c = UdpChecksum(src, dst, udp);
  udp[8] = static_cast<uint8_t>(c >> 8);
  udp[9] = static_cast<uint8_t>(c);
  EXPECT_EQ(UdpChecksum(src, dst, udp), 0xffff);
  udp[6] = udp[7] = 0xff;
  EXPECT_TRUE(VerifyUdpChecksum(src, dst, udp));
}

TEST(ChecksumTest, ZeroUdpChecksumMeansNoneOnlyOverIpv4) {
  std::array<uint8_t, 13> udp = kUdp6;
  udp[6] = udp[7] = 0;
  EXPECT_TRUE(VerifyUdpChecksum(V4("198.18.0.1"), V4("198.18.0.2"), udp));
  EXPECT_FALSE(VerifyUdpChecksum(V6("2001:db8::1"), V6("2001:db8::2"), udp));
}

TEST(ChecksumTest, ComputeIgnoresTheStoredField) {
  std::array<uint8_t, 13> udp = kUdp6;
  udp[6] = 0xde;
  udp[7] = 0xad;
  EXPECT_EQ(UdpChecksum(V6("2001:db8::1"), V6("2001:db8::2"), udp), 0x301f);
}

TEST(ChecksumTest, CombineEvenChunks) {
  const std::array<uint8_t, 8> b = {0x00, 0x01, 0xf2, 0x03,
                                    0xf4, 0xf5, 0xf6, 0xf7};
  std::span<const uint8_t> s(b);
  EXPECT_EQ(ChecksumCombine(Checksum(s.first(2)), Checksum(s.subspan(2))),
            0xddf2);
  EXPECT_EQ(ChecksumCombine(0xffff, 0xffff), 0xffff);
  EXPECT_EQ(ChecksumCombine(0x8000, 0x8000), 0x0001);
}

TEST(ChecksumTest, IncrementalUpdateMatchesRecompute) {
  std::array<uint8_t, 20> h = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                               0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                               0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  // Decrement the TTL: the word at offset 8 goes from 4011 to 3f11.
  uint16_t updated = ChecksumUpdate16(0xb861, 0x4011, 0x3f11);
  h[8] = 0x3f;
  h[10] = h[11] = 0;
  EXPECT_EQ(updated, static_cast<uint16_t>(~Checksum(h)));
}

TEST(ChecksumTest, IncrementalUpdateProperty) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    std::array<uint8_t, 20> h;
    for (uint8_t& x : h) x = static_cast<uint8_t>(rng());
    h[0] = 0x45;  // Keep the sum non-zero, as in any real header.
    h[10] = h[11] = 0;
    uint16_t field = static_cast<uint16_t>(~Checksum(h));
    size_t word = 2 * (rng() % 10);
    if (word == 10) continue;  // The checksum field itself.
    uint16_t old_value = static_cast<uint16_t>((h[word] << 8) | h[word + 1]);
    uint16_t new_value = static_cast<uint16_t>(rng());
    h[word] = static_cast<uint8_t>(new_value >> 8);
    h[word + 1] = static_cast<uint8_t>(new_value);
    ASSERT_EQ(ChecksumUpdate16(field, old_value, new_value),
              static_cast<uint16_t>(~Checksum(h)))
        << "iteration " << iter;
  }
}

TEST(ChecksumTest, FastMatchesNaiveOnRandomBuffers) {
  std::mt19937 rng(12345);
  std::vector<uint8_t> storage(300 + 8);
  for (size_t len = 0; len <= 300; ++len) {
    for (int rep = 0; rep < 8; ++rep) {
      // Vary the alignment as well as the contents.
      size_t shift = static_cast<size_t>(rep);
      std::span<uint8_t> b(storage.data() + shift, len);
      for (uint8_t& x : b) {
        x = rep == 7 ? 0xff : static_cast<uint8_t>(rng());
      }
      uint32_t initial = rep % 2 == 0 ? 0 : static_cast<uint32_t>(rng());
      ASSERT_EQ(Checksum(b, initial), NaiveSum(b, initial))
          << "len " << len << " rep " << rep;
    }
  }
}

TEST(ChecksumTest, AccumulatorMatchesWholeBufferForAnySplit) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 500; ++iter) {
    std::vector<uint8_t> b(rng() % 301);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    ChecksumAccumulator acc;
    std::span<const uint8_t> rest(b);
    while (!rest.empty()) {
      size_t n = std::min<size_t>(rest.size(), rng() % 9);
      acc.Add(rest.first(n));
      rest = rest.subspan(n);
    }
    ASSERT_EQ(acc.sum(), Checksum(b)) << "size " << b.size();
  }
}

TEST(ChecksumTest, AccumulatorStartsFromInitial) {
  ChecksumAccumulator acc(0x1000);
  const std::array<uint8_t, 1> a = {0x12};
  const std::array<uint8_t, 1> b = {0x34};
  acc.Add(a);
  acc.Add({});
  acc.Add(b);
  EXPECT_EQ(acc.sum(), 0x2234);
}

}  // namespace
}  // namespace fdlink::header
