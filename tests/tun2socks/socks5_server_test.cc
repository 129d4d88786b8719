// The SOCKS5 upstream against real servers in the test's own namespace:
// Debian's microsocks (no-auth, and RFC 1929 with -u/-P) and dante
// (danted, for IPv6 servers and UDP ASSOCIATE). Every address lives on the
// namespace's `lo`: the servers at 198.18.1.2 / 2001:db8:1::2, kernel
// echo servers (TCP and UDP) at 198.18.2.1 / 2001:db8:2::1. The handshake
// runs over real non-blocking sockets, driven by poll as the relay drives
// it, and the bytes after it must come back from the echo server exactly.
// What each server answers for a refused or unreachable destination was
// observed and is asserted as such (both say REP 5 and REP 3).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_util.h"
#include "fdlink/device/netns.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"
#include "testing/netns_fixture.h"
#include "tun2socks/socks5.h"
#include "tun2socks/socks5_handshake.h"
#include "tun2socks/socks5_testing.h"
#include "tun2socks/socks5_udp.h"

namespace fdlink::tool::tun2socks {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;
using Clock = testing::Clock;
using Want = Handshake::Want;
using testing::Echo;
using testing::EchoThrough;
using testing::Flow;
using testing::WaitFor;

constexpr char kServer4[] = "198.18.1.2";
constexpr char kServer6[] = "2001:db8:1::2";
constexpr char kDest4[] = "198.18.2.1";
constexpr char kDest6[] = "2001:db8:2::1";
constexpr uint16_t kMicrosocksPort = 1080;
constexpr uint16_t kMicrosocksAuthPort = 1082;
constexpr uint16_t kDantePort = 1081;
constexpr uint16_t kEchoPort = 7007;
constexpr uint16_t kClosedPort = 9;

// Drive completes the connect and runs `h` on `fd` as the relay does:
// Step, then wait for what it wants. kTimedOut after 5 s.
Result<void> Drive(int fd, bool connected, Handshake& h) {
  const auto deadline = Clock::now() + 5s;
  if (!connected) {
    if (!WaitFor(fd, POLLOUT, deadline)) return Errc::kTimedOut;
    if (Result<void> c = sys::ConnectResult(fd); !c) return c.error();
  }
  for (;;) {
    Result<Want> w = h.Step(fd);
    if (!w) return w.error();
    if (*w == Want::kDone) return {};
    if (!WaitFor(fd, *w == Want::kRead ? POLLIN : POLLOUT, deadline))
      return Errc::kTimedOut;
  }
}

// SetUpAssociation runs `assoc`'s set-up to kDone or an error.
Result<void> SetUpAssociation(Socks5UdpAssociation& assoc) {
  const auto deadline = Clock::now() + 5s;
  if (!assoc.connected() && !WaitFor(assoc.control_fd(), POLLOUT, deadline))
    return Errc::kTimedOut;
  for (;;) {
    Result<Want> w = assoc.Step();
    if (!w) return w.error();
    if (*w == Want::kDone) return {};
    if (!WaitFor(assoc.control_fd(), *w == Want::kRead ? POLLIN : POLLOUT,
                 deadline))
      return Errc::kTimedOut;
  }
}

class Socks5ServerTest : public ::fdlink::testing::NetNsFixture {
 protected:
  void SetUp() override {
    NetNsFixture::SetUp();
    for (const char* a : {"198.18.1.2/32", "198.18.2.1/32"})
      Ip({"addr", "add", a, "dev", "lo"});
    for (const char* a : {"2001:db8:1::2/128", "2001:db8:2::1/128"})
      Ip({"addr", "add", a, "dev", "lo", "nodad"});
    char dir[] = "/tmp/fdlink-socks5-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    servers_.clear();
    if (!dir_.empty()) {
      std::string out;
      (void)device::RunCommandIn(*ns_, {"rm", "-rf", dir_}, &out, 5000);
    }
  }

  void Ip(std::vector<std::string> args) {
    args.insert(args.begin(), "ip");
    std::string out;
    Result<int> r = device::RunCommandIn(*ns_, args, &out, 5000);
    ASSERT_TRUE(r && *r == 0) << out;
  }

  void StartMicrosocks(uint16_t port, bool auth) {
    servers_.push_back(testing::StartMicrosocks(
        *ns_, kServer4, port, auth ? "alice" : "", auth ? "s3cret" : ""));
    ASSERT_TRUE(servers_.back());
  }

  e2e::ToolProcess* StartDante() {
    servers_.push_back(testing::StartDante(*ns_, dir_, {kServer4, kServer6},
                                           kDantePort, "lo"));
    return servers_.back().get();
  }

  std::unique_ptr<Socks5Upstream> Upstream(const std::string& server,
                                           bool auth = false,
                                           const char* pass = "s3cret") {
    Socks5Config c = *ParseSocks5Server(server);
    if (auth) {
      c.user = "alice";
      c.pass = pass;
    }
    Result<std::unique_ptr<Socks5Upstream>> u = Socks5Upstream::Create(c);
    EXPECT_TRUE(u) << u.error().ToString();
    return u ? std::move(*u) : nullptr;
  }

  // Connect dials `dst` through `up` inside the namespace and runs the
  // handshake; on success the socket carries the stream.
  Result<void> Connect(Socks5Upstream& up, const lwip::FlowAddr& dst,
                       Upstream::Dialing* out) {
    Result<Upstream::Dialing> d = Errc::kUnknown;
    EXPECT_TRUE(ns_->Run([&] { d = up.Dial(dst); }));
    if (!d) return d.error();
    *out = std::move(*d);
    return Drive(out->fd.get(), out->connected, *out->handshake);
  }

  // ExpectEcho dials `dst` through `up` and checks `n` bytes come back
  // byte-exact.
  void ExpectEcho(Socks5Upstream& up, const lwip::FlowAddr& dst, size_t n) {
    Upstream::Dialing d;
    Result<void> r = Connect(up, dst, &d);
    ASSERT_TRUE(r) << r.error().ToString();
    const Bytes data = e2e::Payload(n, dst.port + n);
    EXPECT_TRUE(EchoThrough(d.fd.get(), d.handshake->Leftover(), data) == data)
        << up.Name() << " to " << dst.ToString();
  }

  // ConnectError dials `dst` and returns the handshake's error code.
  Errc ConnectError(Socks5Upstream& up, const lwip::FlowAddr& dst) {
    Upstream::Dialing d;
    Result<void> r = Connect(up, dst, &d);
    EXPECT_FALSE(r) << up.Name() << " to " << dst.ToString();
    return r ? Errc::kUnknown : r.error().code;
  }

  std::string dir_;
  std::vector<std::unique_ptr<e2e::ToolProcess>> servers_;
};

TEST_F(Socks5ServerTest, MicrosocksConnectsIpv4AndIpv6ByteExact) {
  const Echo echo4(*ns_, kDest4, kEchoPort, SOCK_STREAM);
  const Echo echo6(*ns_, kDest6, kEchoPort, SOCK_STREAM);
  StartMicrosocks(kMicrosocksPort, false);
  std::unique_ptr<Socks5Upstream> up = Upstream("198.18.1.2:1080");
  ASSERT_TRUE(up);
  ExpectEcho(*up, Flow(kDest4, kEchoPort), 1 << 20);
  ExpectEcho(*up, Flow(kDest6, kEchoPort), 1 << 20);
  ExpectEcho(*up, Flow(kDest4, kEchoPort), 1);
}

TEST_F(Socks5ServerTest, MicrosocksConnectsToADomainName) {
  // microsocks resolves the name itself: "localhost" is in /etc/hosts
  // (as 127.0.0.1, and on some machines ::1 too).
  const Echo echo4(*ns_, "127.0.0.1", kEchoPort, SOCK_STREAM);
  const Echo echo6(*ns_, "::1", kEchoPort, SOCK_STREAM);
  StartMicrosocks(kMicrosocksPort, false);
  Result<socks5::Address> name =
      socks5::Address::Domain("localhost", kEchoPort);
  ASSERT_TRUE(name);
  Socks5Handshake h(socks5::Command::kConnect, *name, std::nullopt);
  UniqueFd fd;
  bool connected = false;
  ASSERT_TRUE(ns_->Run([&] {
    fd = *sys::TcpSocket(AF_INET);
    const e2e::SockAddr a = e2e::MakeSockAddr(kServer4, kMicrosocksPort);
    connected = *sys::StartConnect(fd.get(), a.get(), a.len);
  }));
  Result<void> r = Drive(fd.get(), connected, h);
  ASSERT_TRUE(r) << r.error().ToString();
  const Bytes data = e2e::Payload(4096, 3);
  EXPECT_TRUE(EchoThrough(fd.get(), h.Leftover(), data) == data);
}

TEST_F(Socks5ServerTest, MicrosocksRefusedAndUnreachable) {
  StartMicrosocks(kMicrosocksPort, false);
  std::unique_ptr<Socks5Upstream> up = Upstream("198.18.1.2:1080");
  ASSERT_TRUE(up);
  EXPECT_EQ(ConnectError(*up, Flow(kDest4, kClosedPort)),
            Errc::kConnectionRefused);
  EXPECT_EQ(ConnectError(*up, Flow(kDest6, kClosedPort)),
            Errc::kConnectionRefused);
  // No route to 198.19.9.9 in the namespace: microsocks says REP 3.
  EXPECT_EQ(ConnectError(*up, Flow("198.19.9.9", kEchoPort)),
            Errc::kUnreachable);
}

TEST_F(Socks5ServerTest, MicrosocksUserPassRightWrongAndMissing) {
  const Echo echo(*ns_, kDest4, kEchoPort, SOCK_STREAM);
  StartMicrosocks(kMicrosocksAuthPort, true);
  std::unique_ptr<Socks5Upstream> good = Upstream("198.18.1.2:1082", true);
  ASSERT_TRUE(good);
  ExpectEcho(*good, Flow(kDest4, kEchoPort), 65536);
  std::unique_ptr<Socks5Upstream> wrong =
      Upstream("198.18.1.2:1082", true, "guess");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(ConnectError(*wrong, Flow(kDest4, kEchoPort)),
            Errc::kPermissionDenied);
  // Without credentials microsocks -u accepts no method (0xFF).
  std::unique_ptr<Socks5Upstream> none = Upstream("198.18.1.2:1082");
  ASSERT_TRUE(none);
  EXPECT_EQ(ConnectError(*none, Flow(kDest4, kEchoPort)),
            Errc::kPermissionDenied);
}

TEST_F(Socks5ServerTest, MicrosocksHasNoUdpAssociate) {
  StartMicrosocks(kMicrosocksPort, false);
  std::unique_ptr<Socks5Upstream> up = Upstream("198.18.1.2:1080");
  ASSERT_TRUE(up);
  std::unique_ptr<Socks5UdpAssociation> assoc;
  ASSERT_TRUE(ns_->Run([&] { assoc = *up->StartUdpAssociation(); }));
  ASSERT_TRUE(assoc);
  Result<void> r = SetUpAssociation(*assoc);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kNotSupported);  // REP 7.
}

TEST_F(Socks5ServerTest, ServerDownIsConnectionRefused) {
  std::unique_ptr<Socks5Upstream> up = Upstream("198.18.1.2:1080");
  ASSERT_TRUE(up);
  EXPECT_EQ(ConnectError(*up, Flow(kDest4, kEchoPort)),
            Errc::kConnectionRefused);
}

TEST_F(Socks5ServerTest, DanteConnectsOverIpv4AndIpv6Servers) {
  const Echo echo4(*ns_, kDest4, kEchoPort, SOCK_STREAM);
  const Echo echo6(*ns_, kDest6, kEchoPort, SOCK_STREAM);
  ASSERT_TRUE(StartDante());
  for (const char* server : {"198.18.1.2:1081", "[2001:db8:1::2]:1081"}) {
    std::unique_ptr<Socks5Upstream> up = Upstream(server);
    ASSERT_TRUE(up);
    ExpectEcho(*up, Flow(kDest4, kEchoPort), 1 << 20);
    ExpectEcho(*up, Flow(kDest6, kEchoPort), 256 << 10);
    EXPECT_EQ(ConnectError(*up, Flow(kDest4, kClosedPort)),
              Errc::kConnectionRefused);
    EXPECT_EQ(ConnectError(*up, Flow("198.19.9.9", kEchoPort)),
              Errc::kUnreachable);
  }
}

// UdpEcho sends `payload` to `dst` through `assoc` and waits for the echo
// (resending every 200 ms); returns whether it came back byte-exact from
// `dst`.
bool UdpEcho(Socks5UdpAssociation& assoc, const lwip::FlowAddr& dst,
             const Bytes& payload) {
  std::vector<uint8_t> buf(65536);
  const auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline) {
    Result<void> s = assoc.Send(dst, payload);
    EXPECT_TRUE(s) << s.error().ToString();
    const auto resend = Clock::now() + 200ms;
    while (WaitFor(assoc.udp_fd(), POLLIN, resend)) {
      Result<Socks5Datagram> d = assoc.Receive(buf);
      if (!d) continue;
      if (d->src == dst &&
          Bytes(d->payload.begin(), d->payload.end()) == payload)
        return true;
    }
  }
  return false;
}

TEST_F(Socks5ServerTest, DanteUdpAssociateEchoesByteExact) {
  const Echo echo4(*ns_, kDest4, kEchoPort, SOCK_DGRAM);
  const Echo echo6(*ns_, kDest6, kEchoPort, SOCK_DGRAM);
  e2e::ToolProcess* dante = StartDante();
  ASSERT_TRUE(dante);
  std::unique_ptr<Socks5Upstream> up = Upstream("198.18.1.2:1081");
  ASSERT_TRUE(up);
  std::unique_ptr<Socks5UdpAssociation> assoc;
  ASSERT_TRUE(ns_->Run([&] { assoc = *up->StartUdpAssociation(); }));
  ASSERT_TRUE(assoc);
  EXPECT_EQ(assoc->Send(Flow(kDest4, kEchoPort), Bytes{1}).error().code,
            Errc::kClosed);
  Result<void> r = SetUpAssociation(*assoc);
  ASSERT_TRUE(r) << r.error().ToString() << dante->output();
  ASSERT_TRUE(assoc->done());
  EXPECT_EQ(assoc->relay().ToString().rfind("198.18.1.2:", 0), 0u)
      << assoc->relay().ToString();
  EXPECT_TRUE(assoc->CheckControl());
  for (size_t n : {size_t{1}, size_t{512}, size_t{1400}, size_t{8000}}) {
    EXPECT_TRUE(UdpEcho(*assoc, Flow(kDest4, kEchoPort), e2e::Payload(n, 1)))
        << n << dante->output();
  }
  EXPECT_TRUE(UdpEcho(*assoc, Flow(kDest6, kEchoPort), e2e::Payload(700, 2)))
      << dante->output();

  // The server ending the association closes the control connection.
  servers_.clear();
  ASSERT_TRUE(WaitFor(assoc->control_fd(), POLLIN, Clock::now() + 5s));
  Result<void> c = assoc->CheckControl();
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().code == Errc::kPeerClosed ||
              c.error().code == Errc::kConnectionReset)
      << c.error().ToString();
}

}  // namespace
}  // namespace fdlink::tool::tun2socks
