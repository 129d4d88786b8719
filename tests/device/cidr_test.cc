#include "fdlink/device/cidr.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>

namespace fdlink::device {
namespace {

TEST(CidrTest, ParsesIpv4) {
  Result<Cidr> cidr = Cidr::Parse("198.18.0.1/24");
  ASSERT_TRUE(cidr) << cidr.error().ToString();
  EXPECT_EQ(cidr->family, AF_INET);
  EXPECT_EQ(cidr->prefix_len, 24);
  EXPECT_EQ(cidr->AddressLength(), 4u);
  const uint8_t want[16] = {198, 18, 0, 1};
  EXPECT_EQ(std::memcmp(cidr->addr.data(), want, sizeof(want)), 0);
  EXPECT_EQ(cidr->ToString(), "198.18.0.1/24");
}

TEST(CidrTest, ParsesIpv6AndCanonicalizes) {
  Result<Cidr> cidr = Cidr::Parse("2001:0db8:0:0::1/64");
  ASSERT_TRUE(cidr) << cidr.error().ToString();
  EXPECT_EQ(cidr->family, AF_INET6);
  EXPECT_EQ(cidr->prefix_len, 64);
  EXPECT_EQ(cidr->AddressLength(), 16u);
  EXPECT_EQ(cidr->addr[0], 0x20);
  EXPECT_EQ(cidr->addr[1], 0x01);
  EXPECT_EQ(cidr->addr[15], 0x01);
  EXPECT_EQ(cidr->ToString(), "2001:db8::1/64");
}

TEST(CidrTest, AcceptsPrefixBounds) {
  EXPECT_TRUE(Cidr::Parse("198.18.0.0/0"));
  EXPECT_TRUE(Cidr::Parse("198.18.0.1/32"));
  EXPECT_TRUE(Cidr::Parse("2001:db8::/128"));
}

TEST(CidrTest, RoundTripsAndCompares) {
  Result<Cidr> a = Cidr::Parse("2001:db8:1::5/48");
  ASSERT_TRUE(a);
  Result<Cidr> b = Cidr::Parse(a->ToString());
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  Result<Cidr> c = Cidr::Parse("2001:db8:1::5/49");
  ASSERT_TRUE(c);
  EXPECT_FALSE(*a == *c);
}

TEST(CidrTest, RejectsBadText) {
  for (const char* text :
       {"", "198.18.0.1", "198.18.0.1/", "/24", "198.18.0.1/33",
        "2001:db8::1/129", "198.18.0.1/-1", "198.18.0.1/+8", "198.18.0.1/2x",
        "198.18.0.1/0024", "198.18.0.256/24", "abc/24", "198.18.0.1/24/1",
        "198.18.0.1 /24", "2001:db8:::1/64"}) {
    Result<Cidr> cidr = Cidr::Parse(text);
    ASSERT_FALSE(cidr) << "accepted '" << text << "'";
    EXPECT_EQ(cidr.error().code, Errc::kInvalidArgument) << text;
    EXPECT_STREQ(cidr.error().what, "bad CIDR: expected ADDR/PREFIX") << text;
  }
}

TEST(CidrTest, EmptyCidrPrintsAsInvalid) {
  Cidr empty;
  EXPECT_EQ(empty.AddressLength(), 0u);
  EXPECT_EQ(empty.ToString(), "<invalid>");
}

}  // namespace
}  // namespace fdlink::device
