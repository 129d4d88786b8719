// Socks5Handshake against a scripted server on the other end of a stream
// socketpair: each server message arrives one byte at a time, a full send
// buffer makes it wait for writability, and every way a server can say no
// ends the dial with the right Errc.
#include "tun2socks/socks5_handshake.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "fdlink/header/ip_address.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool::tun2socks {
namespace {

using Bytes = std::vector<uint8_t>;
using Want = Handshake::Want;

class Socks5HandshakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sys::SocketPair(SOCK_STREAM, &client_, &server_));
    ASSERT_TRUE(sys::SetNonBlocking(client_.get()));
    ASSERT_TRUE(sys::SetNonBlocking(server_.get()));
  }

  // ServerReads returns everything the client has sent so far.
  Bytes ServerReads() {
    Bytes all;
    uint8_t buf[4096];
    for (;;) {
      Result<size_t> n = sys::Read(server_.get(), buf);
      if (!n || *n == 0) break;
      all.insert(all.end(), buf, buf + *n);
    }
    return all;
  }
  // ServerSendsByteByByte writes `msg` a byte at a time, stepping `h`
  // after each byte; every step but the last must want to read more.
  // Returns the last step's result.
  Result<Want> ServerSendsByteByByte(Socks5Handshake& h, const Bytes& msg) {
    for (size_t i = 0; i + 1 < msg.size(); ++i) {
      EXPECT_TRUE(sys::Write(server_.get(), std::span(&msg[i], 1)));
      Result<Want> w = h.Step(client_.get());
      EXPECT_TRUE(w) << i;
      if (w) {
        EXPECT_EQ(*w, Want::kRead) << i;
      }
    }
    EXPECT_TRUE(sys::Write(server_.get(), std::span(&msg.back(), 1)));
    return h.Step(client_.get());
  }
  void ServerSends(const Bytes& msg) {
    ASSERT_EQ(*sys::Write(server_.get(), msg), msg.size());
  }

  static socks5::Address Dst() {
    return socks5::Address::FromFlow(
        lwip::FlowAddr::FromV4(header::Ipv4Address({198, 18, 2, 1}), 8080));
  }

  UniqueFd client_;
  UniqueFd server_;
};

const Bytes kConnectV4{5, 1, 0, 1, 198, 18, 2, 1, 0x1f, 0x90};
const Bytes kReplyOk{5, 0, 0, 1, 198, 18, 1, 2, 0x9c, 0x40};

TEST_F(Socks5HandshakeTest, NoAuthConnectOneByteAtATimeKeepsLeftover) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
  EXPECT_TRUE(h.Leftover().empty());
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{5, 1, 0}));
  Result<Want> w = ServerSendsByteByByte(h, {5, 0});
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, Want::kRead);
  EXPECT_EQ(ServerReads(), kConnectV4);
  Bytes reply = kReplyOk;
  reply.insert(reply.end(), {'h', 'e', 'l', 'l', 'o'});
  ServerSends(reply);
  ASSERT_EQ(*h.Step(client_.get()), Want::kDone);
  EXPECT_EQ(Bytes(h.Leftover().begin(), h.Leftover().end()),
            (Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(h.bound().port(), 40000);
  EXPECT_EQ(h.Step(client_.get()).error().code, Errc::kClosed);
}

TEST_F(Socks5HandshakeTest, ReplyArrivingByteByByte) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{5, 1, 0}));
  ServerSends({5, 0});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), kConnectV4);
  Result<Want> w = ServerSendsByteByByte(h, kReplyOk);
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, Want::kDone);
  EXPECT_TRUE(h.Leftover().empty());
}

TEST_F(Socks5HandshakeTest, UserPassAuthThenConnect) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(),
                    Socks5Credentials{"alice", "s3cret"});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{5, 2, 0, 2}));
  ServerSends({5, 2});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{1, 5, 'a', 'l', 'i', 'c', 'e', 6, 's', '3',
                                  'c', 'r', 'e', 't'}));
  Result<Want> w = ServerSendsByteByByte(h, {1, 0});
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, Want::kRead);
  EXPECT_EQ(ServerReads(), kConnectV4);
  ServerSends(kReplyOk);
  EXPECT_EQ(*h.Step(client_.get()), Want::kDone);
}

TEST_F(Socks5HandshakeTest, NoAuthAcceptedEvenWhenCredentialsOffered) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(),
                    Socks5Credentials{"alice", "s3cret"});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{5, 2, 0, 2}));
  ServerSends({5, 0});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), kConnectV4);  // No authentication message.
}

TEST_F(Socks5HandshakeTest, RejectedCredentialsArePermissionDenied) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(),
                    Socks5Credentials{"alice", "wrong"});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  ServerSends({5, 2});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  ServerSends({1, 1});
  Result<Want> w = h.Step(client_.get());
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::kPermissionDenied);
  EXPECT_EQ(h.Step(client_.get()).error().code, Errc::kClosed);
}

TEST_F(Socks5HandshakeTest, NoAcceptableMethodIsPermissionDenied) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  ServerSends({5, 0xff});
  Result<Want> w = h.Step(client_.get());
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::kPermissionDenied);
  EXPECT_NE(std::string(w.error().what).find("no acceptable method"),
            std::string::npos);
}

TEST_F(Socks5HandshakeTest, MethodNotOfferedIsMalformed) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  ServerSends({5, 2});
  EXPECT_EQ(h.Step(client_.get()).error().code, Errc::kMalformed);
}

TEST_F(Socks5HandshakeTest, NotSocks5IsMalformed) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  ServerSends({'H', 'T', 'T', 'P'});
  EXPECT_EQ(h.Step(client_.get()).error().code, Errc::kMalformed);
}

TEST_F(Socks5HandshakeTest, EachFailureReplyEndsTheDial) {
  const std::pair<uint8_t, Errc> table[] = {
      {1, Errc::kIoError},           {2, Errc::kPermissionDenied},
      {3, Errc::kUnreachable},       {4, Errc::kUnreachable},
      {5, Errc::kConnectionRefused}, {6, Errc::kTimedOut},
      {7, Errc::kNotSupported},      {8, Errc::kNotSupported},
      {42, Errc::kMalformed}};
  for (const auto& [rep, errc] : table) {
    SetUp();
    Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
    ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
    ServerSends({5, 0});
    ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
    ServerSends({5, rep, 0, 1, 0, 0, 0, 0, 0, 0});
    Result<Want> w = h.Step(client_.get());
    ASSERT_FALSE(w) << int{rep};
    EXPECT_EQ(w.error().code, errc) << int{rep};
  }
}

TEST_F(Socks5HandshakeTest, ServerClosingIsPeerClosed) {
  Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{5, 1, 0}));
  ServerSends({5});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  server_.reset();
  EXPECT_EQ(h.Step(client_.get()).error().code, Errc::kPeerClosed);
}

TEST_F(Socks5HandshakeTest, FullSendBufferWaitsForWritability) {
  // Fill the client's direction so the greeting cannot go out at once.
  const Bytes filler(4096, 0xee);
  size_t queued = 0;
  for (;;) {
    Result<size_t> n = sys::Write(client_.get(), filler);
    if (!n) break;
    queued += *n;
  }
  ASSERT_GT(queued, 0u);
  Socks5Handshake h(socks5::Command::kConnect, Dst(), std::nullopt);
  ASSERT_EQ(*h.Step(client_.get()), Want::kWrite);
  Bytes got = ServerReads();
  // Draining may already let part of the greeting in; step until it reads.
  Result<Want> w = h.Step(client_.get());
  while (w && *w == Want::kWrite) {
    const Bytes more = ServerReads();
    got.insert(got.end(), more.begin(), more.end());
    w = h.Step(client_.get());
  }
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, Want::kRead);
  const Bytes rest = ServerReads();
  got.insert(got.end(), rest.begin(), rest.end());
  ASSERT_EQ(got.size(), queued + 3);
  EXPECT_EQ(Bytes(got.end() - 3, got.end()), (Bytes{5, 1, 0}));
}

TEST_F(Socks5HandshakeTest, UdpAssociateRequestCarriesTheGivenAddress) {
  Socks5Handshake h(socks5::Command::kUdpAssociate,
                    socks5::Address::FromFlow(lwip::FlowAddr{}), std::nullopt);
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{5, 1, 0}));
  ServerSends({5, 0});
  ASSERT_EQ(*h.Step(client_.get()), Want::kRead);
  EXPECT_EQ(ServerReads(), (Bytes{5, 3, 0, 1, 0, 0, 0, 0, 0, 0}));
  ServerSends({5, 0, 0, 1, 198, 18, 1, 2, 0x13, 0x88});
  ASSERT_EQ(*h.Step(client_.get()), Want::kDone);
  EXPECT_EQ(h.bound().port(), 5000);
}

}  // namespace
}  // namespace fdlink::tool::tun2socks
