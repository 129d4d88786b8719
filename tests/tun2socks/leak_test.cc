// `fdlink tun2socks` leaves nothing behind: after 1,000 concurrent
// connections (all open at once, a few bytes echoed on each, closed by
// the client) and after 10,000 sequential short ones, its counters show
// no open connection, no NAT entry and no active lwIP pcb, and its
// descriptor count is back to what it was before the first connection.
// The client closes first, so lwIP's side closes passively (LAST-ACK,
// no TIME-WAIT pcb); the NAT entries linger after both FINs (2 s by
// default), so the counters are read from the periodic stats events
// until they reach zero (up to 20 s) rather than once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>

#include "testing/tun2socks_fixture.h"

namespace fdlink::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint16_t kPort = 5003;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class Tun2SocksLeakTest : public Tun2SocksFixture {
 protected:
  void Start() {
    echo_ = EchoServer::Start(server_ns(), kDest4, kPort);
    ASSERT_TRUE(echo_);
    ASSERT_TRUE(StartTun2Socks(DirectArgs()));
    bool got = false;
    WaitStats([](const nlohmann::json&) { return true; }, 5s, &got);
    ASSERT_TRUE(got) << "no stats event:\n" << Tun2SocksOutput();
    baseline_fds_ = Tun2SocksFds();
    ASSERT_GT(baseline_fds_, 0);
  }

  // ExpectNothingLeft waits for the counters to drain and the descriptor
  // count to return to the baseline, then stops the tool (exit 0, having
  // counted `connections` connections and no failure).
  void ExpectNothingLeft(int64_t connections) {
    const auto t0 = Clock::now();
    bool drained = false;
    const nlohmann::json last = WaitStats(
        [](const nlohmann::json& ev) {
          return Counter(ev, "connections.open") == 0 &&
                 Counter(ev, "entries_open") == 0 && Counter(ev, "pcbs") == 0;
        },
        20s, &drained);
    EXPECT_TRUE(drained) << "still held after 20 s: " << last.dump();
    // Entries whose pcb lwIP freed without a FIN or RST on the wire end
    // through the adapter's orphan check: say how many there were.
    std::cout << "  counters drained after " << SecondsSince(t0) << " s ("
              << Counter(last, "nat.orphaned").value_or(-1)
              << " entries orphaned)\n";
    int fds = Tun2SocksFds();
    const auto deadline = Clock::now() + 10s;
    while (fds != baseline_fds_ && Clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      fds = Tun2SocksFds();
    }
    EXPECT_EQ(fds, baseline_fds_) << "descriptors of the tool before the "
                                     "first connection and after the last";
    const Stopped s = StopTun2Socks();
    ASSERT_EQ(s.status, 0) << s.output;
    EXPECT_EQ(Counter(s.event, "connections.total"), connections) << s.output;
    EXPECT_EQ(Counter(s.event, "connections.failed"), 0) << s.output;
    EXPECT_EQ(Counter(s.event, "connections.open"), 0) << s.output;
    EXPECT_EQ(Counter(s.event, "entries_open"), 0) << s.output;
    EXPECT_EQ(Counter(s.event, "pcbs"), 0) << s.output;
  }

  std::unique_ptr<EchoServer> echo_;
  int baseline_fds_ = -1;
};

TEST_F(Tun2SocksLeakTest, ThousandConcurrentConnectionsLeaveNothing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  constexpr static int kConns = 1000;
  const auto t0 = Clock::now();
  const e2e::SockAddr to = e2e::MakeSockAddr(kDest4, kPort);
  std::vector<UniqueFd> socks(kConns);
  Result<void> ran = client_ns().Run([&] {
    for (UniqueFd& s : socks) {
      s.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    }
  });
  ASSERT_TRUE(ran) << ran.error().ToString();
  for (UniqueFd& s : socks) {
    ASSERT_TRUE(s.valid()) << std::strerror(errno);
    const int rc = ::connect(s.get(), to.get(), to.len);
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
  }
  // Every connect completes (all open at once: none is closed yet).
  std::vector<pollfd> polls(kConns);
  for (int i = 0; i < kConns; ++i) polls[i] = {socks[i].get(), POLLOUT, 0};
  int connected = 0;
  const auto deadline = Clock::now() + 30s;
  std::vector<bool> done(kConns, false);
  while (connected < kConns && Clock::now() < deadline) {
    ASSERT_GE(::poll(polls.data(), polls.size(), 100), 0);
    for (int i = 0; i < kConns; ++i) {
      if (done[i] || polls[i].revents == 0) continue;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(socks[i].get(), SOL_SOCKET, SO_ERROR, &err, &len);
      ASSERT_EQ(err, 0) << "connection " << i << ": " << std::strerror(err);
      done[i] = true;
      polls[i].fd = -1;
      ++connected;
    }
  }
  ASSERT_EQ(connected, kConns) << Tun2SocksOutput();
  std::cout << "  " << kConns << " connected in " << SecondsSince(t0) << " s\n";
  // The tool holds all of them now.
  bool all_open = false;
  WaitStats(
      [](const nlohmann::json& ev) {
        return Counter(ev, "connections.open") == kConns;
      },
      10s, &all_open);
  EXPECT_TRUE(all_open) << "the stats never showed " << kConns
                        << " open connections";
  // A few bytes each way on each, then the client closes.
  for (int i = 0; i < kConns; ++i) {
    uint8_t msg[8];
    std::memcpy(msg, &i, sizeof i);
    std::memcpy(msg + 4, "echo", 4);
    ASSERT_EQ(::send(socks[i].get(), msg, sizeof msg, MSG_NOSIGNAL), 8);
  }
  int echoed = 0;
  for (int i = 0; i < kConns; ++i) polls[i] = {socks[i].get(), POLLIN, 0};
  std::vector<uint8_t> got(kConns * 8, 0);
  std::vector<int> have(kConns, 0);
  const auto echo_deadline = Clock::now() + 30s;
  while (echoed < kConns && Clock::now() < echo_deadline) {
    ASSERT_GE(::poll(polls.data(), polls.size(), 100), 0);
    for (int i = 0; i < kConns; ++i) {
      if (polls[i].fd < 0 || polls[i].revents == 0) continue;
      const ssize_t n =
          ::recv(socks[i].get(), got.data() + i * 8 + have[i], 8 - have[i], 0);
      ASSERT_GT(n, 0) << "connection " << i << ": "
                      << (n == 0 ? "closed" : std::strerror(errno));
      have[i] += static_cast<int>(n);
      if (have[i] == 8) {
        int back = -1;
        std::memcpy(&back, got.data() + i * 8, sizeof back);
        EXPECT_EQ(back, i);
        polls[i].fd = -1;
        ++echoed;
      }
    }
  }
  ASSERT_EQ(echoed, kConns);
  socks.clear();
  std::cout << "  " << kConns << " concurrent connections done in "
            << SecondsSince(t0) << " s\n";
  EXPECT_EQ(echo_->accepted(), static_cast<size_t>(kConns));
  ExpectNothingLeft(kConns);
}

TEST_F(Tun2SocksLeakTest, TenThousandSequentialConnectionsLeaveNothing) {
  ASSERT_NO_FATAL_FAILURE(Start());
  constexpr static int kConns = 10000;
  const auto t0 = Clock::now();
  const e2e::SockAddr to = e2e::MakeSockAddr(kDest4, kPort);
  int ok = 0;
  std::string failure;
  Clock::duration connecting{}, echoing{}, closing{};
  Result<void> ran = client_ns().Run([&] {
    for (int i = 0; i < kConns; ++i) {
      const auto c0 = Clock::now();
      UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      const timeval tv{5, 0};
      ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(s.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(s.get(), to.get(), to.len) != 0) {
        failure = "connect " + std::to_string(i) + ": " + std::strerror(errno);
        return;
      }
      const auto c1 = Clock::now();
      connecting += c1 - c0;
      uint8_t msg[8], back[8];
      std::memcpy(msg, &i, sizeof i);
      std::memcpy(msg + 4, "seq!", 4);
      if (!WriteAll(s.get(), msg) || !ReadExactly(s.get(), back) ||
          std::memcmp(msg, back, 8) != 0) {
        failure = "echo " + std::to_string(i) + ": " + std::strerror(errno);
        return;
      }
      const auto c2 = Clock::now();
      echoing += c2 - c1;
      s.reset();
      closing += Clock::now() - c2;
      ++ok;
    }
  });
  ASSERT_TRUE(ran) << ran.error().ToString();
  ASSERT_EQ(ok, kConns) << failure << "\n" << Tun2SocksOutput().substr(0, 4000);
  auto ms = [](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  std::cout << "  " << kConns << " sequential connections in "
            << SecondsSince(t0) << " s (connect " << ms(connecting) / kConns
            << " ms, echo " << ms(echoing) / kConns << " ms, close "
            << ms(closing) / kConns << " ms each)\n";
  EXPECT_EQ(echo_->accepted(), static_cast<size_t>(kConns));
  ExpectNothingLeft(kConns);
}

}  // namespace
}  // namespace fdlink::testing
