// SIGTERM while `fdlink tun2socks` carries load: an iperf3 client and
// kernel streams both ways run through it; the tool exits 0 within a
// second with its stopped counters, and every client learns at once that
// its connection ended (a reset or a FIN), none is left hanging.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "testing/tun2socks_fixture.h"

namespace fdlink::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint16_t kSinkPort = 5004;
constexpr uint16_t kSourcePort = 5005;
constexpr uint16_t kIperfPort = 5201;

// StreamClient keeps one kernel stream busy (sending when `up`, else
// reading) until the connection ends; `how` is then what ended it: 0 for
// a FIN, else the errno (ECONNRESET for a reset).
struct StreamClient {
  UniqueFd fd;
  bool up = false;
  std::atomic<bool> ended{false};
  std::atomic<int> how{-1};
  std::atomic<uint64_t> bytes{0};
  std::thread thread;

  void Run(const std::atomic<bool>& abort) {
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
    std::vector<uint8_t> buf(65536, 0x5a);
    while (!abort.load()) {
      pollfd p{fd.get(), static_cast<short>(POLLIN | (up ? POLLOUT : 0)), 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
        const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          how.store(n == 0 ? 0 : errno);
          break;
        }
        if (n > 0) bytes.fetch_add(static_cast<uint64_t>(n));
      }
      if (up && (p.revents & POLLOUT)) {
        const ssize_t n = ::send(fd.get(), buf.data(), buf.size(),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          how.store(errno);
          break;
        }
        if (n > 0) bytes.fetch_add(static_cast<uint64_t>(n));
      }
    }
    ended.store(true);
  }
};

using Tun2SocksSigtermTest = Tun2SocksFixture;

TEST_F(Tun2SocksSigtermTest, ExitsZeroWithinASecondUnderLoadAndEndsClients) {
  // Servers: a sink, an endless source, iperf3.
  std::unique_ptr<TcpServer> sink = TcpServer::Start(
      server_ns(), kDest4, kSinkPort, [](int fd) { (void)ReceiveAll(fd); });
  std::unique_ptr<TcpServer> source =
      TcpServer::Start(server_ns(), kDest6, kSourcePort, [](int fd) {
        // Until the reset: a write error is the point.
        std::vector<uint8_t> chunk(65536, 0xa5);
        while (WriteAll(fd, chunk)) {
        }
      });
  ASSERT_TRUE(sink && source);
  std::unique_ptr<e2e::ToolProcess> iperf_s =
      StartServerProcess({"iperf3", "-s", "--forceflush", "-B", kDest4, "-p",
                          std::to_string(kIperfPort)});
  ASSERT_TRUE(iperf_s);
  ASSERT_TRUE(iperf_s->WaitForOutput("Server listening", 10s))
      << iperf_s->output();
  ASSERT_TRUE(StartTun2Socks(DirectArgs()));

  std::atomic<bool> abort{false};
  std::vector<std::unique_ptr<StreamClient>> clients;
  for (int i = 0; i < 6; ++i) {
    auto c = std::make_unique<StreamClient>();
    c->up = i % 2 == 0;
    Dialed d = c->up ? DialTcp(client_ns(), kDest4, kSinkPort)
                     : DialTcp(client_ns(), kDest6, kSourcePort);
    ASSERT_TRUE(d.fd.valid()) << std::strerror(d.error) << "\n"
                              << Tun2SocksOutput();
    c->fd = std::move(d.fd);
    clients.push_back(std::move(c));
  }
  for (auto& c : clients) {
    c->thread = std::thread([&abort, p = c.get()] { p->Run(abort); });
  }
  std::unique_ptr<e2e::ToolProcess> iperf_c =
      e2e::ToolProcess::Start(client_ns(), "iperf3",
                              {"-c", kDest4, "-p", std::to_string(kIperfPort),
                               "-t", "30", "--forceflush"});
  ASSERT_TRUE(iperf_c);
  // Load: iperf3 reports its first interval and every stream moved data.
  EXPECT_TRUE(iperf_c->WaitForOutput("sec", 10s)) << iperf_c->output();
  std::this_thread::sleep_for(500ms);
  for (auto& c : clients) EXPECT_GT(c->bytes.load(), 0u);

  const Stopped s = StopTun2Socks(SIGTERM, 1s);
  ASSERT_TRUE(s.status) << "still running a second after SIGTERM:\n"
                        << s.output;
  EXPECT_EQ(*s.status, 0) << s.output;
  EXPECT_LT(s.took, 1s);
  std::cout << "  exited " << s.took.count() << " ms after SIGTERM\n";
  ASSERT_FALSE(s.event.is_null()) << "no stopped event:\n" << s.output;
  EXPECT_GE(Counter(s.event, "connections.total").value_or(-1), 8)
      << s.event.dump();
  EXPECT_NE(s.output.find("\"event\":\"stopped\""), std::string::npos);

  // Every client sees its end promptly (a reset or a FIN).
  const auto deadline = Clock::now() + 3s;
  for (auto& c : clients) {
    while (!c->ended.load() && Clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
  }
  abort.store(true);
  for (size_t i = 0; i < clients.size(); ++i) {
    clients[i]->thread.join();
    EXPECT_TRUE(clients[i]->how.load() == 0 ||
                clients[i]->how.load() == ECONNRESET ||
                clients[i]->how.load() == EPIPE)
        << "stream " << i << " (" << (clients[i]->up ? "up" : "down")
        << ") did not end within 3 s of the exit: how "
        << clients[i]->how.load();
  }
  const std::optional<int> iperf_status = iperf_c->WaitExit(5s);
  EXPECT_TRUE(iperf_status) << "iperf3 -c still running 5 s after the exit:\n"
                            << iperf_c->output();
}

}  // namespace
}  // namespace fdlink::testing
