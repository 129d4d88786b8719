#include "fdlink/header/ip_address.h"

#include <gtest/gtest.h>

#include <array>

namespace fdlink::header {
namespace {

TEST(Ipv4AddressTest, ParseAndFormat) {
  Result<Ipv4Address> a = Ipv4Address::Parse("198.18.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes(), (std::array<uint8_t, 4>{198, 18, 0, 1}));
  EXPECT_EQ(a->ToUint32(), 0xc6120001u);
  EXPECT_EQ(a->ToString(), "198.18.0.1");
  EXPECT_EQ(Ipv4Address::FromUint32(0xc6120001u), *a);
  const std::array<uint8_t, 4> raw = {198, 19, 255, 254};
  EXPECT_EQ(Ipv4Address::FromBytes(raw).ToString(), "198.19.255.254");
}

TEST(Ipv4AddressTest, RejectsBadText) {
  for (const char* bad : {"", "198.18.0", "198.18.0.256", "198.18.0.1 ",
                          "2001:db8::1", "198.18.0.1.2",
                          "aaaaaaaaaaaaaaaaaaaa"
                          "aaaaaaaaaaaaaaaaaaaaa"
                          "aaaaaaaaaaaaaaa"}) {
    Result<Ipv4Address> a = Ipv4Address::Parse(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().code, Errc::kInvalidArgument);
  }
}

TEST(Ipv4AddressTest, Predicates) {
  EXPECT_TRUE(Ipv4Address().IsUnspecified());
  EXPECT_FALSE(Ipv4Address::FromUint32(1).IsUnspecified());
  EXPECT_TRUE(Ipv4Address::FromUint32(0xffffffff).IsBroadcast());
  EXPECT_TRUE(Ipv4Address::Parse("224.0.0.1")->IsMulticast());
  EXPECT_TRUE(Ipv4Address::Parse("239.255.255.255")->IsMulticast());
  EXPECT_FALSE(Ipv4Address::Parse("240.0.0.1")->IsMulticast());
  EXPECT_TRUE(Ipv4Address::Parse("127.0.0.1")->IsLoopback());
  EXPECT_TRUE(Ipv4Address::Parse("127.255.0.9")->IsLoopback());
  EXPECT_FALSE(Ipv4Address::Parse("128.0.0.1")->IsLoopback());
  EXPECT_TRUE(Ipv4Address::Parse("240.0.0.1")->IsClassE());
  EXPECT_TRUE(Ipv4Address::Parse("255.255.255.254")->IsClassE());
  EXPECT_FALSE(Ipv4Address::Parse("239.255.255.255")->IsClassE());
  EXPECT_LT(*Ipv4Address::Parse("198.18.0.1"),
            *Ipv4Address::Parse("198.18.0.2"));
}

TEST(Ipv6AddressTest, ParseAndFormat) {
  Result<Ipv6Address> a = Ipv6Address::Parse("2001:db8::1");
  ASSERT_TRUE(a);
  std::array<uint8_t, 16> want{};
  want[0] = 0x20;
  want[1] = 0x01;
  want[2] = 0x0d;
  want[3] = 0xb8;
  want[15] = 1;
  EXPECT_EQ(a->bytes(), want);
  EXPECT_EQ(a->ToString(), "2001:db8::1");
  EXPECT_EQ(Ipv6Address::FromBytes(want), *a);
  EXPECT_EQ(Ipv6Address::Parse("2001:0DB8:0:0:0:0:0:0001")->ToString(),
            "2001:db8::1");
  EXPECT_EQ(Ipv6Address::Parse("::ffff:198.18.0.1")->ToString(),
            "::ffff:198.18.0.1");
}

TEST(Ipv6AddressTest, RejectsBadText) {
  for (const char* bad : {"", ":::", "2001:db8::1::2", "198.18.0.1",
                          "2001:db8:0:0:0:0:0:0:1", "g::1"}) {
    Result<Ipv6Address> a = Ipv6Address::Parse(bad);
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().code, Errc::kInvalidArgument);
  }
}

TEST(Ipv6AddressTest, Predicates) {
  EXPECT_TRUE(Ipv6Address().IsUnspecified());
  EXPECT_FALSE(Ipv6Address::Parse("::1")->IsUnspecified());
  EXPECT_TRUE(Ipv6Address::Parse("ff02::1")->IsMulticast());
  EXPECT_FALSE(Ipv6Address::Parse("fe80::1")->IsMulticast());
  EXPECT_TRUE(Ipv6Address::Parse("fe80::1")->IsLinkLocalUnicast());
  EXPECT_TRUE(Ipv6Address::Parse("febf::1")->IsLinkLocalUnicast());
  EXPECT_FALSE(Ipv6Address::Parse("fec0::1")->IsLinkLocalUnicast());
  EXPECT_FALSE(Ipv6Address::Parse("2001:db8::1")->IsLinkLocalUnicast());
  EXPECT_TRUE(Ipv6Address::Parse("::1")->IsLoopback());
  EXPECT_FALSE(Ipv6Address::Parse("::2")->IsLoopback());
  EXPECT_FALSE(Ipv6Address::Parse("1::1")->IsLoopback());
  EXPECT_TRUE(Ipv6Address::Parse("::ffff:198.18.0.1")->IsV4Mapped());
  EXPECT_FALSE(Ipv6Address::Parse("::198.18.0.1")->IsV4Mapped());
  EXPECT_FALSE(Ipv6Address::Parse("1::ffff:198.18.0.1")->IsV4Mapped());
}

TEST(Ipv6AddressTest, SolicitedNodeMulticast) {
  EXPECT_EQ(Ipv6Address::Parse("2001:db8::1:2345:6789")
                ->SolicitedNodeMulticast()
                .ToString(),
            "ff02::1:ff45:6789");
  EXPECT_EQ(Ipv6Address::Parse("2001:db8::2")->SolicitedNodeMulticast(),
            *Ipv6Address::Parse("ff02::1:ff00:2"));
}

}  // namespace
}  // namespace fdlink::header
