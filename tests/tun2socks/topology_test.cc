// The tun2socks fixture itself: its hash against FIPS 180-4's vectors, and
// its namespaces route as the tests assume (marked sockets over the veth,
// nothing else until the tool's TUN is up, then the TUN).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "testing/sha256.h"
#include "testing/tun2socks_fixture.h"

namespace fdlink::testing {
namespace {

using ::testing::HasSubstr;

std::string HexOf(std::string_view text) {
  Sha256 h;
  h.Update(
      std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return Sha256::Hex(h.Final());
}

TEST(Sha256Test, MatchesTheStandardVectors) {
  EXPECT_EQ(HexOf(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexOf("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // A million 'a's fed in uneven pieces.
  Sha256 h;
  const std::string piece(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = std::min(left, piece.size());
    h.Update(std::span(reinterpret_cast<const uint8_t*>(piece.data()), n));
    left -= n;
  }
  EXPECT_EQ(Sha256::Hex(h.Final()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, StreamPiecesAreTheWholeStream) {
  std::vector<uint8_t> whole(1000), pieces(1000);
  StreamBytes(7, 0, whole);
  for (size_t at = 0; at < pieces.size(); at += 13) {
    const size_t n = std::min<size_t>(13, pieces.size() - at);
    StreamBytes(7, at, std::span(pieces.data() + at, n));
  }
  EXPECT_EQ(whole, pieces);
  std::vector<uint8_t> other(1000);
  StreamBytes(8, 0, other);
  EXPECT_NE(whole, other);
  EXPECT_NE(StreamDigest(7, 1000), StreamDigest(8, 1000));
  Sha256 h;
  h.Update(whole);
  EXPECT_EQ(h.Final(), StreamDigest(7, 1000));
}

using Tun2SocksTopologyTest = Tun2SocksFixture;

// Before the tool runs, only the tool's mark reaches the destinations.
TEST_F(Tun2SocksTopologyTest, OnlyMarkedSocketsReachTheServerWithoutTheTool) {
  for (const char* dest : {kDest4, kDest6}) {
    std::unique_ptr<EchoServer> echo = EchoServer::Start(server_ns(), dest, 0);
    ASSERT_TRUE(echo);
    Dialed marked = DialTcp(client_ns(), dest, echo->port(), 5s, kT2sMark);
    ASSERT_TRUE(marked.fd.valid())
        << dest << ": " << std::strerror(marked.error);
    const uint8_t ping[4] = {1, 2, 3, 4};
    uint8_t back[4] = {};
    ASSERT_TRUE(WriteAll(marked.fd.get(), ping));
    ASSERT_TRUE(ReadExactly(marked.fd.get(), back));
    EXPECT_EQ(std::memcmp(ping, back, 4), 0);
    Dialed unmarked = DialTcp(client_ns(), dest, echo->port(), 2s);
    EXPECT_FALSE(unmarked.fd.valid()) << dest;
    EXPECT_EQ(unmarked.error, ENETUNREACH)
        << dest << ": " << std::strerror(unmarked.error);
  }
}

// Once the tool is ready, the kernel routes the destinations into its TUN
// and its own marked sockets over the veth.
TEST_F(Tun2SocksTopologyTest, ReadyToolGetsTheDestinationsRoutedIntoItsTun) {
  ASSERT_TRUE(StartTun2Socks(DirectArgs()));
  const std::vector<nlohmann::json> ready = Events("ready");
  ASSERT_EQ(ready.size(), 1u) << Tun2SocksOutput();
  // The tool raised the TUN's queue from the kernel's 500 packets.
  EXPECT_EQ(ready[0].value("txqueuelen", 0), 4096) << ready[0].dump();
  std::string link;
  EXPECT_EQ(Run(client_ns(), {"ip", "link", "show", kT2sTun}, &link), 0);
  EXPECT_THAT(link, HasSubstr("qlen 4096"));
  for (const char* dest : {kDest4, kDest6}) {
    std::string out;
    EXPECT_EQ(Run(client_ns(), {"ip", "route", "get", dest}, &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("dev t2s0"));
    EXPECT_EQ(Run(client_ns(), {"ip", "route", "get", dest, "mark", "1"}, &out),
              0)
        << out;
    EXPECT_THAT(out, HasSubstr("dev v-cli"));
  }
  const Stopped s = StopTun2Socks();
  EXPECT_EQ(s.status, 0) << s.output;
}

}  // namespace
}  // namespace fdlink::testing
