// The SOCKS5 wire format without I/O: every encoder byte for byte, every
// parser on partial input, each reply code, bad versions, truncated and
// longest addresses, names of 0 and 255 bytes, and the UDP header.
#include "tun2socks/socks5_proto.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fdlink/header/ip_address.h"

namespace fdlink::tool::tun2socks::socks5 {
namespace {

using Bytes = std::vector<uint8_t>;

lwip::FlowAddr V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  return lwip::FlowAddr::FromV4(header::Ipv4Address({a, b, c, d}), port);
}
lwip::FlowAddr V6(const char* text, uint16_t port) {
  return lwip::FlowAddr::FromV6(*header::Ipv6Address::Parse(text), port);
}

Bytes Encoded(Result<size_t> n, const std::vector<uint8_t>& buf) {
  EXPECT_TRUE(n.has_value());
  if (!n) return {};
  return Bytes(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*n));
}

TEST(Socks5ProtoTest, GreetingOffersNoAuthAndUserPassWhenAsked) {
  std::vector<uint8_t> buf(8);
  EXPECT_EQ(Encoded(EncodeGreeting(false, buf), buf), (Bytes{5, 1, 0}));
  EXPECT_EQ(Encoded(EncodeGreeting(true, buf), buf), (Bytes{5, 2, 0, 2}));
  std::vector<uint8_t> small(3);
  EXPECT_EQ(EncodeGreeting(true, small).error().code, Errc::kInvalidArgument);
}

TEST(Socks5ProtoTest, AuthIsVersionOneWithLengthPrefixedFields) {
  std::vector<uint8_t> buf(kMaxAuthSize);
  EXPECT_EQ(Encoded(EncodeAuth("al", "pw1", buf), buf),
            (Bytes{1, 2, 'a', 'l', 3, 'p', 'w', '1'}));
  const std::string u255(255, 'u');
  const std::string p255(255, 'p');
  Result<size_t> n = EncodeAuth(u255, p255, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, kMaxAuthSize);
  EXPECT_EQ(buf[1], 255);
  EXPECT_EQ(buf[2 + 255], 255);
  EXPECT_EQ(buf.back(), 'p');
  for (auto [u, p] : {std::pair<std::string, std::string>{"", "x"},
                      {"x", ""},
                      {std::string(256, 'u'), "x"},
                      {"x", std::string(256, 'p')}}) {
    EXPECT_EQ(EncodeAuth(u, p, buf).error().code, Errc::kInvalidArgument)
        << u.size() << " " << p.size();
  }
  std::vector<uint8_t> small(7);
  EXPECT_EQ(EncodeAuth("al", "pw1", small).error().code,
            Errc::kInvalidArgument);
}

TEST(Socks5ProtoTest, ConnectRequestsForEachAddressType) {
  std::vector<uint8_t> buf(kMaxRequestSize);
  EXPECT_EQ(
      Encoded(EncodeRequest(Command::kConnect,
                            Address::FromFlow(V4(198, 18, 2, 1, 0x1f90)), buf),
              buf),
      (Bytes{5, 1, 0, 1, 198, 18, 2, 1, 0x1f, 0x90}));
  EXPECT_EQ(
      Encoded(EncodeRequest(Command::kConnect,
                            Address::FromFlow(V6("2001:db8:2::1", 443)), buf),
              buf),
      (Bytes{5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 2,    0,
             0, 0, 0, 0, 0,    0,    0,    0,    1, 0x01, 0xbb}));
  Result<Address> name = Address::Domain("ab.example", 80);
  ASSERT_TRUE(name);
  EXPECT_EQ(Encoded(EncodeRequest(Command::kConnect, *name, buf), buf),
            (Bytes{5, 1, 0, 3, 10, 'a', 'b', '.', 'e', 'x', 'a', 'm', 'p', 'l',
                   'e', 0, 80}));
  EXPECT_EQ(Encoded(EncodeRequest(Command::kUdpAssociate,
                                  Address::FromFlow(V4(0, 0, 0, 0, 0)), buf),
                    buf),
            (Bytes{5, 3, 0, 1, 0, 0, 0, 0, 0, 0}));
  std::vector<uint8_t> small(9);
  EXPECT_EQ(EncodeRequest(Command::kConnect,
                          Address::FromFlow(V4(198, 18, 2, 1, 80)), small)
                .error()
                .code,
            Errc::kInvalidArgument);
}

TEST(Socks5ProtoTest, DomainNamesOfOneTo255Bytes) {
  EXPECT_EQ(Address::Domain("", 80).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(Address::Domain(std::string(256, 'n'), 80).error().code,
            Errc::kInvalidArgument);
  const std::string longest(255, 'n');
  Result<Address> a = Address::Domain(longest, 8080);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->domain(), longest);
  std::vector<uint8_t> buf(kMaxRequestSize);
  Result<size_t> n = EncodeRequest(Command::kConnect, *a, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, kMaxRequestSize);
  EXPECT_EQ(buf[3], 3);
  EXPECT_EQ(buf[4], 255);
  EXPECT_EQ(buf[5], 'n');
  EXPECT_EQ(buf[4 + 255], 'n');
  EXPECT_EQ(buf[kMaxRequestSize - 2], 0x1f);
  EXPECT_EQ(buf[kMaxRequestSize - 1], 0x90);
  EXPECT_EQ(a->ToFlow().error().code, Errc::kNotSupported);
}

TEST(Socks5ProtoTest, MethodSelectionNeedsTwoBytesOfVersionFive) {
  EXPECT_EQ(MethodSelection::Parse({}).error().code, Errc::kWouldBlock);
  const Bytes one{5};
  EXPECT_EQ(MethodSelection::Parse(one).error().code, Errc::kWouldBlock);
  const Bytes ok{5, 2, 9};
  Result<MethodSelection> m = MethodSelection::Parse(ok);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method(), 2);
  EXPECT_EQ(m->size(), 2u);
  const Bytes v4{4, 0};
  EXPECT_EQ(MethodSelection::Parse(v4).error().code, Errc::kMalformed);
}

TEST(Socks5ProtoTest, AuthStatusNeedsTwoBytesOfVersionOne) {
  const Bytes one{1};
  EXPECT_EQ(AuthStatus::Parse(one).error().code, Errc::kWouldBlock);
  const Bytes ok{1, 0};
  ASSERT_TRUE(AuthStatus::Parse(ok));
  EXPECT_EQ(AuthStatus::Parse(ok)->status(), 0);
  const Bytes bad{1, 1};
  EXPECT_EQ(AuthStatus::Parse(bad)->status(), 1);
  const Bytes v5{5, 0};
  EXPECT_EQ(AuthStatus::Parse(v5).error().code, Errc::kMalformed);
}

// EveryPrefixWaits checks that each proper prefix of `whole` asks for more
// and the whole parses to exactly its length, with trailing bytes left.
void EveryPrefixWaits(const Bytes& whole) {
  for (size_t n = 0; n < whole.size(); ++n) {
    const std::span<const uint8_t> part(whole.data(), n);
    Result<Reply> r = Reply::Parse(part);
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, Errc::kWouldBlock) << n;
  }
  Bytes more = whole;
  more.push_back(0xaa);
  more.push_back(0xbb);
  Result<Reply> r = Reply::Parse(more);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), whole.size());
}

TEST(Socks5ProtoTest, RepliesParseIncrementallyForEachAddressType) {
  const Bytes v4{5, 0, 0, 1, 198, 18, 1, 2, 0x04, 0x38};
  EveryPrefixWaits(v4);
  Result<Reply> r = Reply::Parse(v4);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reply(), 0);
  EXPECT_EQ(r->bound(), Address::FromFlow(V4(198, 18, 1, 2, 1080)));

  Bytes v6{5, 0, 0, 4};
  const auto ip6 = header::Ipv6Address::Parse("2001:db8:1::2")->bytes();
  v6.insert(v6.end(), ip6.begin(), ip6.end());
  v6.push_back(0x04);
  v6.push_back(0x38);
  EveryPrefixWaits(v6);
  EXPECT_EQ(Reply::Parse(v6)->bound(),
            Address::FromFlow(V6("2001:db8:1::2", 1080)));

  Bytes name{5, 0, 0, 3, 255};
  name.insert(name.end(), 255, 'h');
  name.push_back(0);
  name.push_back(53);
  EveryPrefixWaits(name);
  EXPECT_EQ(Reply::Parse(name)->bound().domain(), std::string(255, 'h'));
  EXPECT_EQ(Reply::Parse(name)->bound().port(), 53);
}

TEST(Socks5ProtoTest, BadRepliesAreMalformed) {
  const Bytes v4_version{4, 0, 0, 1, 1, 2, 3, 4, 0, 1};
  EXPECT_EQ(Reply::Parse(v4_version).error().code, Errc::kMalformed);
  const Bytes just_bad_version{0};
  EXPECT_EQ(Reply::Parse(just_bad_version).error().code, Errc::kMalformed);
  const Bytes atyp2{5, 0, 0, 2, 1, 2, 3, 4, 0, 1};
  EXPECT_EQ(Reply::Parse(atyp2).error().code, Errc::kMalformed);
  const Bytes empty_name{5, 0, 0, 3, 0, 0, 80};
  EXPECT_EQ(Reply::Parse(empty_name).error().code, Errc::kMalformed);
}

TEST(Socks5ProtoTest, EveryReplyCodeMapsToItsErrc) {
  const std::pair<uint8_t, Errc> table[] = {
      {1, Errc::kIoError},           {2, Errc::kPermissionDenied},
      {3, Errc::kUnreachable},       {4, Errc::kUnreachable},
      {5, Errc::kConnectionRefused}, {6, Errc::kTimedOut},
      {7, Errc::kNotSupported},      {8, Errc::kNotSupported},
      {9, Errc::kMalformed},         {255, Errc::kMalformed},
  };
  for (const auto& [rep, errc] : table) {
    EXPECT_EQ(ReplyError(rep).code, errc) << int{rep};
    EXPECT_THAT(ReplyError(rep).what, ::testing::StartsWith("socks5: "));
  }
  EXPECT_STREQ(ReplyError(5).what, "socks5: connection refused");
}

TEST(Socks5ProtoTest, UdpHeaderEncodesByteExact) {
  std::vector<uint8_t> buf(kMaxUdpHeaderSize);
  EXPECT_EQ(
      Encoded(EncodeUdpHeader(Address::FromFlow(V4(198, 18, 2, 1, 7)), buf),
              buf),
      (Bytes{0, 0, 0, 1, 198, 18, 2, 1, 0, 7}));
  Result<size_t> n =
      EncodeUdpHeader(Address::FromFlow(V6("2001:db8:2::1", 7)), buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 22u);
  EXPECT_EQ(buf[3], 4);
  EXPECT_EQ(buf[4], 0x20);
  EXPECT_EQ(buf[19], 1);
}

TEST(Socks5ProtoTest, UdpHeaderParsesAndDropsFragmentsAndJunk) {
  const Bytes d{0, 0, 0, 1, 198, 18, 2, 1, 0, 7, 'h', 'i'};
  Result<UdpHeader> h = UdpHeader::Parse(d);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->address(), Address::FromFlow(V4(198, 18, 2, 1, 7)));
  EXPECT_EQ(Bytes(h->payload().begin(), h->payload().end()), (Bytes{'h', 'i'}));
  const Bytes empty_payload{0, 0, 0, 1, 198, 18, 2, 1, 0, 7};
  ASSERT_TRUE(UdpHeader::Parse(empty_payload));
  EXPECT_TRUE(UdpHeader::Parse(empty_payload)->payload().empty());

  Bytes frag = d;
  frag[2] = 1;
  EXPECT_EQ(UdpHeader::Parse(frag).error().code, Errc::kNotSupported);
  Bytes rsv = d;
  rsv[1] = 1;
  EXPECT_EQ(UdpHeader::Parse(rsv).error().code, Errc::kMalformed);
  for (size_t n = 0; n < empty_payload.size(); ++n) {
    const std::span<const uint8_t> part(empty_payload.data(), n);
    EXPECT_EQ(UdpHeader::Parse(part).error().code, Errc::kMalformed) << n;
  }
  const Bytes atyp9{0, 0, 0, 9, 1, 2, 3, 4, 0, 7};
  EXPECT_EQ(UdpHeader::Parse(atyp9).error().code, Errc::kMalformed);
  const Bytes name0{0, 0, 0, 3, 0, 0, 7};
  EXPECT_EQ(UdpHeader::Parse(name0).error().code, Errc::kMalformed);
  const Bytes name_short{0, 0, 0, 3, 5, 'a', 'b', 0, 7};
  EXPECT_EQ(UdpHeader::Parse(name_short).error().code, Errc::kMalformed);
}

}  // namespace
}  // namespace fdlink::tool::tun2socks::socks5
