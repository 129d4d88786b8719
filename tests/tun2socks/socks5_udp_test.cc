// Socks5UdpAssociation's datagram wrapping without a server: Encapsulate
// and Decapsulate are inverse, byte-exact, and refuse what they must.
#include "tun2socks/socks5_udp.h"

#include <gtest/gtest.h>

#include <vector>

#include "fdlink/header/ip_address.h"

namespace fdlink::tool::tun2socks {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(Socks5UdpTest, EncapsulateThenDecapsulateIsByteExact) {
  const lwip::FlowAddr dst =
      lwip::FlowAddr::FromV4(header::Ipv4Address({198, 18, 2, 1}), 7);
  const Bytes payload{'p', 'i', 'n', 'g'};
  Bytes out(64);
  Result<size_t> n = Socks5UdpAssociation::Encapsulate(dst, payload, out);
  ASSERT_TRUE(n);
  out.resize(*n);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 1, 198, 18, 2, 1, 0, 7, 'p', 'i', 'n', 'g'}));
  Result<Socks5Datagram> d = Socks5UdpAssociation::Decapsulate(out);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->src, dst);
  EXPECT_EQ(Bytes(d->payload.begin(), d->payload.end()), payload);

  const lwip::FlowAddr dst6 =
      lwip::FlowAddr::FromV6(*header::Ipv6Address::Parse("2001:db8:2::1"), 53);
  Bytes out6(64);
  n = Socks5UdpAssociation::Encapsulate(dst6, payload, out6);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 22u + payload.size());
  d = Socks5UdpAssociation::Decapsulate(std::span(out6).first(*n));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->src, dst6);
}

TEST(Socks5UdpTest, RefusesSmallBuffersFragmentsAndNamedSources) {
  const lwip::FlowAddr dst =
      lwip::FlowAddr::FromV4(header::Ipv4Address({198, 18, 2, 1}), 7);
  const Bytes payload(10, 'x');
  Bytes out(19);  // One short of 10 + 10.
  EXPECT_EQ(Socks5UdpAssociation::Encapsulate(dst, payload, out).error().code,
            Errc::kInvalidArgument);
  const Bytes frag{0, 0, 1, 1, 198, 18, 2, 1, 0, 7, 'x'};
  EXPECT_EQ(Socks5UdpAssociation::Decapsulate(frag).error().code,
            Errc::kNotSupported);
  const Bytes named{0, 0, 0, 3, 1, 'h', 0, 7, 'x'};
  EXPECT_EQ(Socks5UdpAssociation::Decapsulate(named).error().code,
            Errc::kNotSupported);
  const Bytes truncated{0, 0, 0, 4, 0x20, 0x01};
  EXPECT_EQ(Socks5UdpAssociation::Decapsulate(truncated).error().code,
            Errc::kMalformed);
}

}  // namespace
}  // namespace fdlink::tool::tun2socks
