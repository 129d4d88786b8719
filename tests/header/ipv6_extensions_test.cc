#include "fdlink/header/ipv6_extensions.h"

#include <gtest/gtest.h>

#include <vector>

#include "fdlink/header/ip_protocols.h"
#include "header/malformed_matcher.h"

namespace fdlink::header {
namespace {

using testing::IsMalformed;
using Bytes = std::vector<uint8_t>;

// Packet builds 2001:db8::1 -> 2001:db8::2 with `first` as the fixed
// header's next header, followed by `rest` (extension headers and upper
// layer bytes, concatenated); payload length covers all of `rest`.
Bytes Packet(uint8_t first, const std::vector<Bytes>& rest) {
  Bytes p = {0x60, 0, 0, 0, 0, 0, first, 64};
  for (int i = 0; i < 2; ++i) {
    Bytes a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
               0,    0,    0,    0,    0, 0, 0, static_cast<uint8_t>(i + 1)};
    p.insert(p.end(), a.begin(), a.end());
  }
  for (const Bytes& b : rest) p.insert(p.end(), b.begin(), b.end());
  size_t payload = p.size() - kIpv6FixedHeaderSize;
  p[4] = static_cast<uint8_t>(payload >> 8);
  p[5] = static_cast<uint8_t>(payload);
  return p;
}

// Options headers padded with PadN; `units` is the Hdr Ext Len field.
Bytes OptionsHeader(uint8_t next, uint8_t units) {
  Bytes h((units + 1) * 8, 0);
  h[0] = next;
  h[1] = units;
  h[2] = 1;  // PadN
  h[3] = static_cast<uint8_t>(h.size() - 4);
  return h;
}

Bytes FragmentHeader(uint8_t next, uint16_t offset, bool more, uint32_t id) {
  uint16_t field = static_cast<uint16_t>(offset | (more ? 1 : 0));
  return {next,
          0,
          static_cast<uint8_t>(field >> 8),
          static_cast<uint8_t>(field),
          static_cast<uint8_t>(id >> 24),
          static_cast<uint8_t>(id >> 16),
          static_cast<uint8_t>(id >> 8),
          static_cast<uint8_t>(id)};
}

const Bytes kUdp = {0x30, 0x39, 0x00, 0x35, 0x00, 0x0c,
                    0x00, 0x00, 'p',  'i',  'n',  'g'};

Result<Ipv6TransportInfo> Find(const Bytes& p) {
  return FindIpv6Transport(*Ipv6::Parse(p));
}

TEST(Ipv6ExtensionsTest, HopByHopDestOptsFragmentUdp) {
  Bytes p = Packet(ip_proto::kIpv6HopByHop,
                   {OptionsHeader(ip_proto::kIpv6DestinationOptions, 0),
                    OptionsHeader(ip_proto::kIpv6Fragment, 1),
                    FragmentHeader(ip_proto::kUdp, 0, true, 0xdeadbeef), kUdp});
  Result<Ipv6TransportInfo> t = Find(p);
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->protocol, ip_proto::kUdp);
  EXPECT_EQ(t->offset, 40u + 8 + 16 + 8);
  ASSERT_TRUE(t->fragment.has_value());
  EXPECT_EQ(*t->fragment, (Ipv6FragmentInfo{0, true, 0xdeadbeef}));
  EXPECT_EQ(p[t->offset], 0x30);  // The UDP source port.
}

TEST(Ipv6ExtensionsTest, WalkerYieldsEachHeader) {
  Bytes p = Packet(ip_proto::kIpv6HopByHop,
                   {OptionsHeader(ip_proto::kIpv6DestinationOptions, 0),
                    OptionsHeader(ip_proto::kIpv6Fragment, 1),
                    FragmentHeader(ip_proto::kUdp, 0, true, 7), kUdp});
  Ipv6ExtensionWalker w(*Ipv6::Parse(p));
  EXPECT_EQ(w.protocol(), ip_proto::kIpv6HopByHop);
  EXPECT_EQ(w.offset(), 40u);

  struct Want {
    uint8_t type, next;
    size_t offset, size;
  };
  const Want want[] = {
      {ip_proto::kIpv6HopByHop, ip_proto::kIpv6DestinationOptions, 40, 8},
      {ip_proto::kIpv6DestinationOptions, ip_proto::kIpv6Fragment, 48, 16},
      {ip_proto::kIpv6Fragment, ip_proto::kUdp, 64, 8},
  };
  for (const Want& x : want) {
    auto h = w.Next();
    ASSERT_TRUE(h) << h.error().ToString();
    ASSERT_TRUE(h->has_value());
    EXPECT_EQ((*h)->type, x.type);
    EXPECT_EQ((*h)->next_header, x.next);
    EXPECT_EQ((*h)->offset, x.offset);
    EXPECT_EQ((*h)->bytes.size(), x.size);
    EXPECT_EQ((*h)->bytes.data(), p.data() + x.offset);
  }
  for (int i = 0; i < 2; ++i) {  // The end is sticky.
    auto h = w.Next();
    ASSERT_TRUE(h);
    EXPECT_FALSE(h->has_value());
  }
  EXPECT_EQ(w.protocol(), ip_proto::kUdp);
  EXPECT_EQ(w.offset(), 72u);
  ASSERT_TRUE(w.fragment());
  EXPECT_EQ(w.fragment()->id, 7u);
}

TEST(Ipv6ExtensionsTest, NoExtensionHeaders) {
  Result<Ipv6TransportInfo> t = Find(Packet(ip_proto::kUdp, {kUdp}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->protocol, ip_proto::kUdp);
  EXPECT_EQ(t->offset, 40u);
  EXPECT_FALSE(t->fragment);
}

TEST(Ipv6ExtensionsTest, RoutingHeaderThenTcp) {
  Bytes tcp(20, 0);
  Result<Ipv6TransportInfo> t = Find(
      Packet(ip_proto::kIpv6Routing, {OptionsHeader(ip_proto::kTcp, 2), tcp}));
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->protocol, ip_proto::kTcp);
  EXPECT_EQ(t->offset, 40u + 24);
}

TEST(Ipv6ExtensionsTest, NoNextHeaderEndsTheChain) {
  Result<Ipv6TransportInfo> t =
      Find(Packet(ip_proto::kIpv6DestinationOptions,
                  {OptionsHeader(ip_proto::kIpv6NoNextHeader, 0)}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->protocol, ip_proto::kIpv6NoNextHeader);
  EXPECT_EQ(t->offset, 48u);
}

TEST(Ipv6ExtensionsTest, LaterFragmentStopsAtFragmentData) {
  // Offset 1480, last fragment; the data that follows would be a bad
  // extension header if it were walked.
  Bytes data = {0x00, 0xff, 1, 2, 3, 4, 5, 6};
  Result<Ipv6TransportInfo> t = Find(Packet(
      ip_proto::kIpv6Fragment,
      {FragmentHeader(ip_proto::kIpv6DestinationOptions, 1480, false, 42),
       data}));
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->protocol, ip_proto::kIpv6DestinationOptions);
  EXPECT_EQ(t->offset, 48u);
  ASSERT_TRUE(t->fragment);
  EXPECT_EQ(*t->fragment, (Ipv6FragmentInfo{1480, false, 42}));
}

TEST(Ipv6ExtensionsTest, AtomicFragment) {
  Result<Ipv6TransportInfo> t =
      Find(Packet(ip_proto::kIpv6Fragment,
                  {FragmentHeader(ip_proto::kUdp, 0, false, 1), kUdp}));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->offset, 48u);
  EXPECT_EQ(t->protocol, ip_proto::kUdp);
  EXPECT_EQ(*t->fragment, (Ipv6FragmentInfo{0, false, 1}));
}

TEST(Ipv6ExtensionsTest, RejectsTruncatedExtensionHeader) {
  // One byte of a hop-by-hop header.
  EXPECT_TRUE(IsMalformed(Find(Packet(ip_proto::kIpv6HopByHop, {Bytes{60}})),
                          "ipv6: truncated extension header"));
  // Hdr Ext Len says 16 bytes, 8 present.
  Bytes h = OptionsHeader(ip_proto::kUdp, 1);
  h.resize(8);
  EXPECT_TRUE(IsMalformed(Find(Packet(ip_proto::kIpv6HopByHop, {h})),
                          "ipv6: truncated extension header"));
  // A fragment header needs 8 bytes.
  Bytes f = FragmentHeader(ip_proto::kUdp, 0, true, 1);
  f.resize(6);
  EXPECT_TRUE(IsMalformed(Find(Packet(ip_proto::kIpv6Fragment, {f})),
                          "ipv6: truncated extension header"));
}

TEST(Ipv6ExtensionsTest, RejectsChainRunningOffTheEnd) {
  // Destination options says another destination options header follows,
  // but the payload ends.
  EXPECT_TRUE(IsMalformed(
      Find(Packet(ip_proto::kIpv6DestinationOptions,
                  {OptionsHeader(ip_proto::kIpv6DestinationOptions, 0)})),
      "ipv6: truncated extension header"));
  // No payload at all.
  EXPECT_TRUE(IsMalformed(Find(Packet(ip_proto::kIpv6Routing, {})),
                          "ipv6: truncated extension header"));
}

TEST(Ipv6ExtensionsTest, WalkIsBoundedByPayloadLength) {
  Bytes p = Packet(ip_proto::kIpv6HopByHop,
                   {OptionsHeader(ip_proto::kIpv6NoNextHeader, 0)});
  p[5] = 4;  // Payload length 4: the 8-byte header is cut short.
  EXPECT_TRUE(IsMalformed(Find(p), "ipv6: truncated extension header"));
}

TEST(Ipv6ExtensionsTest, RejectsMisplacedHopByHop) {
  EXPECT_TRUE(
      IsMalformed(Find(Packet(ip_proto::kIpv6DestinationOptions,
                              {OptionsHeader(ip_proto::kIpv6HopByHop, 0),
                               OptionsHeader(ip_proto::kUdp, 0), kUdp})),
                  "ipv6: hop-by-hop header not first"));
}

TEST(Ipv6ExtensionsTest, RejectsDuplicateFragmentHeader) {
  EXPECT_TRUE(IsMalformed(
      Find(Packet(ip_proto::kIpv6Fragment,
                  {FragmentHeader(ip_proto::kIpv6Fragment, 0, true, 1),
                   FragmentHeader(ip_proto::kUdp, 0, true, 1), kUdp})),
      "ipv6: duplicate fragment header"));
}

TEST(Ipv6ExtensionsTest, ClassifiesExtensionTypes) {
  for (uint8_t t : {0, 43, 44, 60}) EXPECT_TRUE(IsIpv6ExtensionHeader(t));
  for (uint8_t t : {6, 17, 58, 59, 50, 51}) {
    EXPECT_FALSE(IsIpv6ExtensionHeader(t));
  }
}

// Options wraps option bytes in a header struct as the walker returns it.
Ipv6ExtensionHeader Options(const Bytes& bytes) {
  return Ipv6ExtensionHeader{ip_proto::kIpv6HopByHop, bytes[0], 40, bytes};
}

TEST(Ipv6ExtensionsTest, OptionActionBitsSayDiscard) {
  // Pad1, PadN and unknown options with action 00 are skipped.
  EXPECT_FALSE(*Ipv6OptionsDemandDiscard(Options(OptionsHeader(17, 0))));
  EXPECT_FALSE(*Ipv6OptionsDemandDiscard(Options({17, 0, 0, 0, 0, 0, 0, 0})));
  EXPECT_FALSE(
      *Ipv6OptionsDemandDiscard(Options({17, 0, 0x1e, 2, 9, 9, 0, 0})));
  // 01, 10 and 11: discard (with or without an ICMP error).
  for (uint8_t type : {0x5e, 0x9e, 0xde, 0xc2}) {
    EXPECT_TRUE(
        *Ipv6OptionsDemandDiscard(Options({17, 0, 0, 1, 0, type, 0, 0})))
        << int{type};
  }
}

TEST(Ipv6ExtensionsTest, OptionPastItsHeaderIsMalformed) {
  EXPECT_TRUE(IsMalformed(
      Ipv6OptionsDemandDiscard(Options({17, 0, 0x1e, 5, 0, 0, 0, 0})),
      "ipv6: option runs past its header"));
  EXPECT_TRUE(
      IsMalformed(Ipv6OptionsDemandDiscard(Options({17, 0, 0, 0, 0, 0, 0, 7})),
                  "ipv6: option runs past its header"));
}

TEST(Ipv6ExtensionsTest, RoutingFields) {
  const Bytes r = {ip_proto::kUdp, 0, 0, 3, 0, 0, 0, 0};
  const Ipv6ExtensionHeader h{ip_proto::kIpv6Routing, r[0], 40, r};
  EXPECT_EQ(Ipv6RoutingType(h), 0);
  EXPECT_EQ(Ipv6RoutingSegmentsLeft(h), 3);
}

}  // namespace
}  // namespace fdlink::header
