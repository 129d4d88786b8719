// Transfers through `fdlink tun2socks`, checked by SHA-256 both ways:
// a kernel client in the client namespace and a kernel server in the
// server namespace, over IPv4 and IPv6, directly (--direct --fwmark) and
// through a real SOCKS5 server (microsocks). Up: the client sends a
// seeded stream and shuts its write side; the server hashes it to end of
// file and answers the digest (so half-close passes too). Down: the
// client asks for N bytes; the server sends them and closes; the client
// hashes them to end of file.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstring>
#include <iostream>
#include <vector>

#include "testing/tun2socks_fixture.h"

namespace fdlink::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint16_t kPort = 5001;
constexpr uint16_t kSocksPort = 1080;
constexpr uint64_t kMiB = 1024 * 1024;

// Request is the client's first 17 bytes: 'U' (up) or 'D' (down), the
// stream's seed and size (little-endian).
std::array<uint8_t, 17> Request(char dir, uint64_t seed, uint64_t size) {
  std::array<uint8_t, 17> r{};
  r[0] = static_cast<uint8_t>(dir);
  for (int i = 0; i < 8; ++i) {
    r[1 + i] = static_cast<uint8_t>(seed >> (8 * i));
    r[9 + i] = static_cast<uint8_t>(size >> (8 * i));
  }
  return r;
}

// Serve is the server's side of one transfer.
void Serve(int fd) {
  std::array<uint8_t, 17> r{};
  if (!ReadExactly(fd, r)) return;
  uint64_t seed = 0, size = 0;
  for (int i = 0; i < 8; ++i) {
    seed |= uint64_t{r[1 + i]} << (8 * i);
    size |= uint64_t{r[9 + i]} << (8 * i);
  }
  if (r[0] == 'U') {
    // Exactly `size` bytes (a client that half-closes sends its FIN after
    // them; one through microsocks cannot: see Up).
    Received got;
    Sha256 h;
    std::vector<uint8_t> buf(65536);
    while (got.bytes < size) {
      const ssize_t n = ::recv(
          fd, buf.data(),
          static_cast<size_t>(std::min<uint64_t>(buf.size(), size - got.bytes)),
          0);
      if (n <= 0) break;
      h.Update(std::span(buf.data(), static_cast<size_t>(n)));
      got.bytes += static_cast<uint64_t>(n);
    }
    got.digest = h.Final();
    std::array<uint8_t, 40> answer{};
    std::memcpy(answer.data(), got.digest.data(), 32);
    for (int i = 0; i < 8; ++i) {
      answer[32 + i] = static_cast<uint8_t>(got.bytes >> (8 * i));
    }
    (void)WriteAll(fd, answer);
  } else {
    (void)SendStream(fd, seed, size);
  }
}

enum class Via { kDirect, kSocks5 };

struct TransferCase {
  const char* name;
  Via via;
  const char* dest;
};

class Tun2SocksTransferTest : public Tun2SocksFixture {
 protected:
  // Start runs the server on `dest` and the tool (and microsocks).
  void Start(Via via, const char* dest) {
    server_ = TcpServer::Start(server_ns(), dest, kPort, Serve);
    ASSERT_TRUE(server_);
    half_close_ = via == Via::kDirect;
    if (via == Via::kSocks5) {
      ASSERT_TRUE(StartMicrosocks(kSocksPort));
      ASSERT_TRUE(StartTun2Socks(Socks5Args(kSocksPort)));
    } else {
      ASSERT_TRUE(StartTun2Socks(DirectArgs()));
    }
  }

  // Up sends `size` bytes of stream `seed` to the server, which must
  // report their digest and count.
  void Up(const char* dest, uint64_t seed, uint64_t size) {
    const auto t0 = Clock::now();
    Dialed d = DialTcp(client_ns(), dest, kPort);
    ASSERT_TRUE(d.fd.valid()) << std::strerror(d.error) << "\n"
                              << Tun2SocksOutput();
    ASSERT_TRUE(WriteAll(d.fd.get(), Request('U', seed, size)));
    ASSERT_TRUE(SendStream(d.fd.get(), seed, size));
    // Half-close, then read the answer: tun2socks passes the FIN in step.
    // Not through microsocks, which closes both ways on either side's end
    // of file (its copy loop), so there the client keeps its write side.
    if (half_close_) {
      ASSERT_EQ(::shutdown(d.fd.get(), SHUT_WR), 0);
    }
    std::array<uint8_t, 40> answer{};
    ASSERT_TRUE(ReadExactly(d.fd.get(), answer))
        << "no digest back: " << std::strerror(errno);
    uint64_t bytes = 0;
    for (int i = 0; i < 8; ++i) bytes |= uint64_t{answer[32 + i]} << (8 * i);
    EXPECT_EQ(bytes, size);
    Sha256::Digest digest;
    std::memcpy(digest.data(), answer.data(), 32);
    EXPECT_EQ(Sha256::Hex(digest), Sha256::Hex(StreamDigest(seed, size)))
        << size << " bytes up to " << dest;
    Report("up", dest, size, t0, d.took);
  }

  // Down has the server send `size` bytes of stream `seed`, hashed here.
  void Down(const char* dest, uint64_t seed, uint64_t size) {
    const auto t0 = Clock::now();
    Dialed d = DialTcp(client_ns(), dest, kPort);
    ASSERT_TRUE(d.fd.valid()) << std::strerror(d.error) << "\n"
                              << Tun2SocksOutput();
    ASSERT_TRUE(WriteAll(d.fd.get(), Request('D', seed, size)));
    const Received got = ReceiveAll(d.fd.get());
    EXPECT_EQ(got.error, 0) << std::strerror(got.error);
    EXPECT_EQ(got.bytes, size);
    EXPECT_EQ(Sha256::Hex(got.digest), Sha256::Hex(StreamDigest(seed, size)))
        << size << " bytes down from " << dest;
    Report("down", dest, size, t0, d.took);
  }

  static void Report(const char* dir, const char* dest, uint64_t size,
                     Clock::time_point t0, std::chrono::milliseconds connect) {
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::cout << "  " << dir << " " << size / kMiB << " MiB " << dest << ": "
              << s << " s (" << (size * 8 / s / 1e6) << " Mbit/s; connected in "
              << connect.count() << " ms)\n";
  }

  // ExpectCountedAndStopped stops the tool, which must exit 0 having
  // counted `connections` connections and at least `up` bytes client to
  // upstream and `down` bytes back.
  void ExpectCountedAndStopped(int64_t connections, uint64_t up,
                               uint64_t down) {
    const Stopped s = StopTun2Socks();
    ASSERT_EQ(s.status, 0) << s.output;
    ASSERT_FALSE(s.event.is_null()) << s.output;
    EXPECT_EQ(Counter(s.event, "connections.total"), connections) << s.output;
    EXPECT_EQ(Counter(s.event, "connections.failed"), 0) << s.output;
    EXPECT_EQ(Counter(s.event, "connections.open"), 0) << s.output;
    EXPECT_GE(Counter(s.event, "bytes.client_to_upstream").value_or(-1),
              static_cast<int64_t>(up))
        << s.output;
    EXPECT_GE(Counter(s.event, "bytes.upstream_to_client").value_or(-1),
              static_cast<int64_t>(down))
        << s.output;
  }

  std::unique_ptr<TcpServer> server_;
  bool half_close_ = true;
};

class Tun2SocksTransferCaseTest
    : public Tun2SocksTransferTest,
      public ::testing::WithParamInterface<TransferCase> {};

// 1 MiB and 10 MiB each way on one tool run.
TEST_P(Tun2SocksTransferCaseTest, OneAndTenMiBEachWayKeepTheirHash) {
  const TransferCase& c = GetParam();
  ASSERT_NO_FATAL_FAILURE(Start(c.via, c.dest));
  ASSERT_NO_FATAL_FAILURE(Up(c.dest, 1, 1 * kMiB));
  ASSERT_NO_FATAL_FAILURE(Down(c.dest, 2, 1 * kMiB));
  ASSERT_NO_FATAL_FAILURE(Up(c.dest, 3, 10 * kMiB));
  ASSERT_NO_FATAL_FAILURE(Down(c.dest, 4, 10 * kMiB));
  EXPECT_EQ(server_->accepted(), 4u);
  ExpectCountedAndStopped(4, 11 * kMiB, 11 * kMiB);
}

const TransferCase kCases[] = {
    {"DirectIpv4", Via::kDirect, kDest4},
    {"DirectIpv6", Via::kDirect, kDest6},
    {"Socks5Ipv4", Via::kSocks5, kDest4},
    {"Socks5Ipv6", Via::kSocks5, kDest6},
};

INSTANTIATE_TEST_SUITE_P(Paths, Tun2SocksTransferCaseTest,
                         ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

// 100 MiB: one case per direction (up over IPv4 directly, down over IPv6
// through SOCKS5).
TEST_F(Tun2SocksTransferTest, HundredMiBUpDirectIpv4KeepsItsHash) {
  ASSERT_NO_FATAL_FAILURE(Start(Via::kDirect, kDest4));
  ASSERT_NO_FATAL_FAILURE(Up(kDest4, 5, 100 * kMiB));
  ExpectCountedAndStopped(1, 100 * kMiB, 0);
}

TEST_F(Tun2SocksTransferTest, HundredMiBDownSocks5Ipv6KeepsItsHash) {
  ASSERT_NO_FATAL_FAILURE(Start(Via::kSocks5, kDest6));
  ASSERT_NO_FATAL_FAILURE(Down(kDest6, 6, 100 * kMiB));
  ExpectCountedAndStopped(1, 0, 100 * kMiB);
}

}  // namespace
}  // namespace fdlink::testing
