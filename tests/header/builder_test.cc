#include "fdlink/header/builder.h"

#include <gtest/gtest.h>

#include <vector>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ipv6_extensions.h"
#include "fdlink/header/udp.h"

namespace fdlink::header {
namespace {

const Ipv4Address kV4Src = Ipv4Address::FromUint32(0xc6120001);
const Ipv4Address kV4Dst = Ipv4Address::FromUint32(0xc6120002);
const Ipv6Address kV6Src({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                          0, 1});
const Ipv6Address kV6Dst({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                          0, 2});
constexpr UdpPorts kPorts{.src = 1234, .dst = 5678};

// Packet returns `size` bytes, the ones past `headers` a payload pattern.
std::vector<uint8_t> Packet(size_t size, size_t headers) {
  std::vector<uint8_t> b(size, 0xee);
  for (size_t i = headers; i < size; ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

TEST(BuilderTest, Ipv4UdpParsesAndVerifiesAndKeepsThePayload) {
  std::vector<uint8_t> b = Packet(100, 28);
  const std::vector<uint8_t> before = b;
  ASSERT_TRUE(WriteIpv4Udp(b, kV4Src, kV4Dst, kPorts));
  Result<Ipv4> ip = Ipv4::Parse(b);
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->IsChecksumValid());
  EXPECT_EQ(ip->total_length(), 100);
  EXPECT_EQ(ip->ttl(), 64);
  EXPECT_EQ(ip->protocol(), ip_proto::kUdp);
  EXPECT_EQ(ip->src(), kV4Src);
  EXPECT_EQ(ip->dst(), kV4Dst);
  Result<Udp> udp = Udp::Parse(ip->payload());
  ASSERT_TRUE(udp);
  EXPECT_EQ(udp->src_port(), kPorts.src);
  EXPECT_EQ(udp->dst_port(), kPorts.dst);
  EXPECT_EQ(udp->length(), 80);
  EXPECT_TRUE(VerifyUdpChecksum(kV4Src, kV4Dst, ip->payload()));
  EXPECT_TRUE(std::equal(b.begin() + 28, b.end(), before.begin() + 28));
}

TEST(BuilderTest, Ipv6UdpWithAndWithoutPadExtensions) {
  for (bool ext : {false, true}) {
    SCOPED_TRACE(ext ? "with extensions" : "without extensions");
    const size_t headers = 40 + (ext ? kIpv6PadExtensionsSize : 0) + 8;
    std::vector<uint8_t> b = Packet(headers + 33, headers);
    ASSERT_TRUE(WriteIpv6Udp(b, kV6Src, kV6Dst, kPorts, ext));
    Result<Ipv6> ip = Ipv6::Parse(b);
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->payload_length(), b.size() - 40);
    EXPECT_EQ(ip->hop_limit(), 64);
    Result<Ipv6TransportInfo> info = FindIpv6Transport(*ip);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->protocol, ip_proto::kUdp);
    EXPECT_EQ(info->offset, headers - 8);
    std::span<const uint8_t> l4 = std::span(b).subspan(info->offset);
    Result<Udp> udp = Udp::Parse(l4);
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->src_port(), kPorts.src);
    EXPECT_EQ(udp->length(), l4.size());
    EXPECT_TRUE(VerifyUdpChecksum(kV6Src, kV6Dst, l4));
  }
}

TEST(BuilderTest, RefusesBuffersThatCannotHoldTheHeaders) {
  std::vector<uint8_t> small(27);
  EXPECT_FALSE(WriteIpv4Udp(small, kV4Src, kV4Dst, kPorts));
  std::vector<uint8_t> huge(0x10000);
  EXPECT_FALSE(WriteIpv4Udp(huge, kV4Src, kV4Dst, kPorts));
  std::vector<uint8_t> v6(40 + 8 + 15);
  EXPECT_FALSE(WriteIpv6Udp(v6, kV6Src, kV6Dst, kPorts, true));
  EXPECT_TRUE(WriteIpv6Udp(v6, kV6Src, kV6Dst, kPorts, false));
}

}  // namespace
}  // namespace fdlink::header
