// NetifAdapter against the real kernel: a TUN in a private namespace
// routes 198.18.64.0/24 and 2001:db8:64::/64 into the adapter, kernel
// clients connect() to addresses nobody owns, and lwIP (unmodified)
// terminates the connections through the adapter's translation, with the
// original destination visible to the accept handler.
#include "fdlink/lwip/netif_adapter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "device/device_test_util.h"
#include "e2e/e2e_util.h"
#include "fdlink/base/lockdep.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/lwip/nat_rewrite.h"
#include "fdlink/lwip/stack.h"
#include "fdlink/sys/syscalls.h"
#include "lwip/lwip_test_packets.h"
#include "lwip/tun_adapter_fixture.h"
#include "testing/packets.h"
#include "testing/watchdog.h"

namespace fdlink::lwip {
namespace {

using namespace std::chrono_literals;

constexpr size_t kReplySize = 1 << 20;
constexpr size_t kRequestSize = 100 * 1024;

// Server is the tests' accept handler: each connection gets the 1 MiB
// reply (sent as the send buffer allows), its received bytes are counted
// and consumed, and it is closed once both the reply is out and the peer
// has shut its side (unless keep_open).
struct Server {
  struct Session {
    size_t sent = 0;
    size_t received = 0;
    bool peer_closed = false;
  };
  std::vector<uint8_t> reply = e2e::Payload(kReplySize, 42);
  bool keep_open = false;
  // close_first: close once the reply is out and the whole request is in,
  // without waiting for the peer's FIN (lwIP closes first: TIME-WAIT is
  // then lwIP's, and the client's port is free at once).
  bool close_first = false;
  std::mutex mu;  // Guards accepted.
  std::vector<std::pair<FlowAddr, FlowAddr>> accepted;
  std::atomic<size_t> received{0};
  std::atomic<bool> detached{false};
  std::atomic<int> calls_after_detach{0};

  void Pump(Connection& c, Session& s) REQUIRES(core_lock) {
    while (s.sent < reply.size()) {
      Result<size_t> n = c.Write(std::span(reply).subspan(s.sent));
      if (!n || *n == 0) break;
      s.sent += *n;
    }
    const bool done_in =
        s.peer_closed || (close_first && s.received >= kRequestSize);
    if (s.sent == reply.size() && done_in && !keep_open && c.open()) c.Close();
  }

  void Accept(Connection& c) REQUIRES(core_lock) {
    if (detached) ++calls_after_detach;
    EXPECT_EQ(c.flow_id(), 0u) << "no SynFn: no flow id";
    {
      std::lock_guard<std::mutex> l(mu);
      accepted.emplace_back(c.original_src(), c.original_dst());
    }
    auto s = std::make_shared<Session>();
    c.OnRecv([this, s](Connection& c, std::span<const uint8_t> data) {
      core_lock.AssertHeld();
      if (detached) ++calls_after_detach;
      if (data.empty()) {
        s->peer_closed = true;
      } else {
        received += data.size();
        s->received += data.size();
        c.Consumed(data.size());
      }
      Pump(c, *s);
    });
    c.OnSent([this, s](Connection& c, size_t) {
      core_lock.AssertHeld();
      if (detached) ++calls_after_detach;
      Pump(c, *s);
    });
    c.OnError([this](Connection&) {
      if (detached) ++calls_after_detach;
    });
    Pump(c, *s);
  }
};

// ClientResult is what one kernel client saw.
struct ClientResult {
  bool connected = false;
  int error = 0;
  std::string local;  // The client's address:port (getsockname).
  std::vector<uint8_t> received;
};

// RunClient connects a kernel TCP socket (made inside ns, bound to
// bind_ip) to ip:port, sends kRequestSize bytes, shuts its side and reads
// to end of file.
ClientResult RunClient(const device::NetNs& ns, const std::string& bind_ip,
                       const std::string& ip, uint16_t port,
                       uint16_t bind_port = 0, bool shut_first = true) {
  ClientResult r;
  const e2e::SockAddr to = e2e::MakeSockAddr(ip, port);
  UniqueFd s;
  EXPECT_TRUE(ns.Run(
      [&] { s.reset(::socket(to.family, SOCK_STREAM | SOCK_CLOEXEC, 0)); }));
  if (!s.valid()) return r;
  timeval tv{10, 0};
  ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(s.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  const int one = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const e2e::SockAddr from = e2e::MakeSockAddr(bind_ip, bind_port);
  if (::bind(s.get(), from.get(), from.len) != 0 ||
      ::connect(s.get(), to.get(), to.len) != 0) {
    r.error = errno;
    return r;
  }
  r.connected = true;
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&local), &len);
  char text[INET6_ADDRSTRLEN] = {};
  if (local.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&local);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
    r.local = std::string(text) + ":" + std::to_string(ntohs(a->sin_port));
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&local);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
    r.local =
        "[" + std::string(text) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  const std::vector<uint8_t> request = e2e::Payload(kRequestSize, 7);
  size_t off = 0;
  while (off < request.size()) {
    const ssize_t n = ::send(s.get(), request.data() + off,
                             request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      r.error = errno;
      return r;
    }
    off += static_cast<size_t>(n);
  }
  if (shut_first) ::shutdown(s.get(), SHUT_WR);
  std::vector<uint8_t> buf(65536);
  for (;;) {
    const ssize_t n = ::recv(s.get(), buf.data(), buf.size(), 0);
    if (n == 0) break;
    if (n < 0) {
      r.error = errno;
      break;
    }
    r.received.insert(r.received.end(), buf.begin(), buf.begin() + n);
  }
  return r;
}

class NetifAdapterTest : public TunAdapterTest {
 protected:
  // Start makes the endpoint on the TUN and the adapter, and attaches.
  void Start(AdapterConfig config = Config()) {
    Create(config);
    ASSERT_TRUE(adapter_);
    adapter_->OnAccept([this](Connection& c) {
      core_lock.AssertHeld();
      server_.Accept(c);
    });
    adapter_->Attach();
  }

  // ExpectFullExchange checks a client's result: the whole reply, byte
  // for byte.
  void ExpectFullExchange(const ClientResult& r) {
    ASSERT_TRUE(r.connected) << std::strerror(r.error);
    EXPECT_EQ(r.error, 0) << std::strerror(r.error);
    ASSERT_EQ(r.received.size(), kReplySize);
    EXPECT_TRUE(r.received == server_.reply) << "reply bytes differ";
  }

  // ExpectTerminates starts the adapter, runs one client from `src` to
  // `dst`:8080 and checks the exchange, the original addresses the
  // handler saw (`want_dst`) and that nothing is left afterwards.
  void ExpectTerminates(const char* src, const char* dst,
                        const char* want_dst) {
    Start();
    ASSERT_TRUE(adapter_);
    const ClientResult r = RunClient(*ns_, src, dst, 8080);
    ExpectFullExchange(r);
    {
      std::lock_guard<std::mutex> l(server_.mu);
      ASSERT_EQ(server_.accepted.size(), 1u);
      EXPECT_EQ(server_.accepted[0].second.ToString(), want_dst);
      EXPECT_EQ(server_.accepted[0].first.ToString(), r.local);
    }
    EXPECT_EQ(server_.received.load(), kRequestSize);
    ExpectNothingLeft();
  }

  Server server_;
};

TEST_F(NetifAdapterTest, TerminatesAnyIpv4DestinationWithItsOriginal) {
  ExpectTerminates("198.18.64.1", "198.18.64.7", "198.18.64.7:8080");
  const NatCounters n = adapter_->TranslationCounters();
  EXPECT_EQ(n.created, 1u);
  EXPECT_EQ(n.expired, 1u);
  EXPECT_EQ(n.refused, 0u);
  const AdapterCounters c = adapter_->Counters();
  EXPECT_EQ(c.accepted, 1u);
  EXPECT_GT(c.rx_translated, 0u);
  EXPECT_GT(c.tx_translated, 0u);
  EXPECT_EQ(c.rx_refused, 0u);
  EXPECT_EQ(c.rx_no_memory, 0u);
}

TEST_F(NetifAdapterTest, TerminatesAnyIpv6DestinationWithItsOriginal) {
  ExpectTerminates("2001:db8:64::1", "2001:db8:64::7", "[2001:db8:64::7]:8080");
  EXPECT_EQ(adapter_->TranslationCounters().created, 1u);
}

TEST_F(NetifAdapterTest, ClientsToOneDestinationNeverCollide) {
  Start();
  ASSERT_TRUE(adapter_);
  ClientResult r[4];
  std::vector<std::thread> clients;
  const char* sources[4] = {"198.18.64.1", "198.18.64.2", "198.18.64.1",
                            "198.18.64.2"};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back(
        [&, i] { r[i] = RunClient(*ns_, sources[i], "198.18.64.7", 443); });
  }
  for (std::thread& t : clients) t.join();
  for (const ClientResult& x : r) ExpectFullExchange(x);
  {
    std::lock_guard<std::mutex> l(server_.mu);
    ASSERT_EQ(server_.accepted.size(), 4u);
    std::set<std::string> srcs;
    for (const auto& [src, dst] : server_.accepted) {
      EXPECT_EQ(dst.ToString(), "198.18.64.7:443");
      srcs.insert(src.ToString());
    }
    EXPECT_EQ(srcs.size(), 4u) << "each client is its own connection";
  }
  EXPECT_EQ(server_.received.load(), 4 * kRequestSize);
  EXPECT_EQ(adapter_->TranslationCounters().created, 4u);
  ExpectNothingLeft();
}

TEST_F(NetifAdapterTest, ANewConnectionOnAClosedFlowsTupleIsANewFlow) {
  // lwIP closes first, so the client's port is free at once while the
  // flow's entry still lingers (tcp_linger): the client reconnecting from
  // the same port must get a new flow at once, not the old entry's
  // translated tuple (where lwIP's TIME-WAIT pcb would not accept it).
  server_.close_first = true;
  Start();
  ASSERT_TRUE(adapter_);
  const ClientResult first =
      RunClient(*ns_, "198.18.64.1", "198.18.64.7", 8080, 40123, false);
  ExpectFullExchange(first);
  EXPECT_EQ(first.local, "198.18.64.1:40123");
  // The client's FIN (sent as RunClient closed its socket) ends the flow;
  // its entry then lingers.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(adapter_->TranslationCounters().open, 1u) << "still lingering";
  const auto t0 = std::chrono::steady_clock::now();
  const ClientResult again =
      RunClient(*ns_, "198.18.64.1", "198.18.64.7", 8080, 40123, false);
  const auto took = std::chrono::steady_clock::now() - t0;
  ExpectFullExchange(again);
  EXPECT_LT(took, std::chrono::seconds(1)) << "the SYN was not answered";
  EXPECT_EQ(adapter_->Counters().rx_reopened, 1u);
  EXPECT_EQ(adapter_->TranslationCounters().created, 2u);
  {
    std::lock_guard<std::mutex> l(server_.mu);
    ASSERT_EQ(server_.accepted.size(), 2u);
    for (const auto& [src, dst] : server_.accepted) {
      EXPECT_EQ(src.ToString(), "198.18.64.1:40123");
    }
  }
}

TEST_F(NetifAdapterTest, SynOverTheCapIsAnsweredWithAReset) {
  server_.keep_open = true;
  Start(Config(/*max_entries=*/1));
  ASSERT_TRUE(adapter_);
  // The first client holds the only entry (its connection stays open).
  std::thread first(
      [&] { (void)RunClient(*ns_, "198.18.64.1", "198.18.64.7", 80); });
  ASSERT_TRUE(WaitUntil([&] { return adapter_->Counters().accepted == 1; }));
  // The second one's SYN gets an RST: connect() is refused at once.
  const e2e::SockAddr to = e2e::MakeSockAddr("198.18.64.8", 80);
  UniqueFd s;
  ASSERT_TRUE(ns_->Run([&] {
    s.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  }));
  ASSERT_TRUE(s.valid());
  EXPECT_EQ(::connect(s.get(), to.get(), to.len), -1);
  EXPECT_EQ(errno, EINPROGRESS);
  pollfd p{s.get(), POLLOUT, 0};
  ASSERT_EQ(::poll(&p, 1, 1000), 1) << "no answer within a second";
  int err = 0;
  socklen_t len = sizeof(err);
  ASSERT_EQ(::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, ECONNREFUSED) << std::strerror(err);
  const AdapterCounters c = adapter_->Counters();
  EXPECT_GE(c.rx_refused, 1u);
  EXPECT_GE(c.rst_sent, 1u);
  EXPECT_GE(adapter_->TranslationCounters().refused, 1u);
  EXPECT_EQ(c.accepted, 1u);
  s.reset();
  adapter_->Detach();  // Resets the first client's connection.
  first.join();
}

TEST_F(NetifAdapterTest, DetachWithOpenConnectionsNeitherHangsNorCallsBack) {
  server_.keep_open = true;
  Start();
  ASSERT_TRUE(adapter_);
  ClientResult r[2];
  std::thread c4(
      [&] { r[0] = RunClient(*ns_, "198.18.64.1", "198.18.64.9", 22); });
  std::thread c6(
      [&] { r[1] = RunClient(*ns_, "2001:db8:64::1", "2001:db8:64::9", 22); });
  ASSERT_TRUE(WaitUntil([&] { return adapter_->Counters().accepted == 2; }));
  ASSERT_TRUE(WaitUntil([&] { return adapter_->OpenConnections() == 2; }));
  {
    testing::Watchdog dog(20s, "NetifAdapter::Detach");
    adapter_->Detach();
  }
  server_.detached = true;
  c4.join();
  c6.join();
  // The abort reset both clients: neither saw a clean end of file.
  for (const ClientResult& x : r) {
    EXPECT_TRUE(x.connected);
    EXPECT_EQ(x.error, ECONNRESET) << std::strerror(x.error);
  }
  EXPECT_EQ(adapter_->OpenConnections(), 0u);
  EXPECT_EQ(ActivePcbs(), 0u);
  // Packets the kernel still sends reach no callback.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server_.calls_after_detach.load(), 0);
}

// Bad input is dropped and counted and the adapter goes on: a SYN after
// it is answered, and the SYN-ACK comes back translated to the original
// addresses with checksums that verify from scratch.
TEST(NetifAdapterHostile, BadInputIsCountedThenASynIsAnswered) {
  PairLink link;
  ASSERT_TRUE(link.adapter);
  UniqueFd& peer = link.peer;
  std::unique_ptr<NetifAdapter>& a = link.adapter;
  const std::vector<std::vector<uint8_t>> bad = {
      {0x45, 0, 0},                    // Truncated IPv4.
      std::vector<uint8_t>(40, 0x60),  // IPv6 with a bogus length.
      Tcp4Packet("198.18.64.1", 1, "198.18.64.7", 80, 0x10, 0),  // No flow.
      // UDP without a handler.
      testing::Ipv4Udp("198.18.64.1", "198.18.64.7", 5, 53, 8),
  };
  for (const std::vector<uint8_t>& b : bad) {
    ASSERT_TRUE(sys::Write(peer.get(), b));
  }
  ASSERT_TRUE(sys::Write(peer.get(), Tcp4Packet("198.18.64.1", 40000,
                                                "198.18.64.7", 80, 0x02, 0)));
  pollfd p{peer.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no SYN-ACK";
  std::vector<uint8_t> reply(2048);
  const ssize_t n = ::read(peer.get(), reply.data(), reply.size());
  ASSERT_GT(n, 0);
  reply.resize(static_cast<size_t>(n));
  std::optional<ParsedFlow> f = ParseFlow(reply);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->key.src.ToString(), "198.18.64.7:80");
  EXPECT_EQ(f->key.dst.ToString(), "198.18.64.1:40000");
  EXPECT_EQ(f->tcp_flags, 0x12) << "SYN|ACK";
  header::Ipv4 ip(reply);
  EXPECT_TRUE(ip.IsChecksumValid());
  EXPECT_TRUE(header::VerifyTcpChecksum(ip.src(), ip.dst(), ip.payload()));

  // Processor threads may deliver other flows' packets after the SYN.
  EXPECT_TRUE(WaitUntil([&] { return a->Counters().rx_packets == 5; }));
  const AdapterCounters c = a->Counters();
  EXPECT_EQ(c.rx_unmapped, 1u);
  EXPECT_EQ(c.rx_other, 2u);
  EXPECT_EQ(c.udp_dropped, 1u);
  EXPECT_EQ(c.rx_translated, 1u);
  EXPECT_GE(c.tx_translated, 1u);
  EXPECT_EQ(a->TranslationCounters().created, 1u);
  // Detaching removes the netif, which aborts the half-open pcb.
  a.reset();
  EXPECT_EQ(ActivePcbs(), 0u);
}

// Lockdep sees the lwIP core lock like any other lock: detaching the
// endpoint while holding it (the deadlock Detach's EXCLUDES rules out at
// compile time) is reported at run time. A socketpair link keeps the
// kernel's own traffic out, so the wrong order is reported without an
// endpoint thread ever actually blocking on the lock.
TEST(NetifAdapterLockdep, DetachUnderTheCoreLockIsReported) {
  PairLink link;
  ASSERT_TRUE(link.adapter);
  UniqueFd& peer = link.peer;
  fdbased::Endpoint* ep = link.ep.get();
  std::unique_ptr<NetifAdapter>& a = link.adapter;
  // One packet through an endpoint thread: it takes lwip.core inside the
  // endpoint's thread group.
  std::vector<uint8_t> ping(28);
  ping[0] = 0x45;
  ping[3] = 28;
  ping[8] = 64;
  ping[9] = 17;
  const uint8_t src[4] = {198, 18, 64, 1}, dst[4] = {198, 19, 0, 1};
  std::memcpy(&ping[12], src, 4);
  std::memcpy(&ping[16], dst, 4);
  ASSERT_TRUE(sys::Write(peer.get(), ping));
  ASSERT_TRUE(WaitUntil([&] { return a->Counters().rx_packets == 1; }));

  std::mutex mu;
  std::vector<std::string> reports;
  lockdep::SetReportHandler([&](const std::string& r) {
    std::lock_guard<std::mutex> l(mu);
    reports.push_back(r);
  });
  {
    CoreLockGuard g;
    ep->Attach(nullptr);  // Wrong on purpose (see above).
  }
  lockdep::SetReportHandler(nullptr);
  if constexpr (lockdep::Enabled()) {
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("lwip.core"), std::string::npos) << reports[0];
    EXPECT_TRUE(lockdep::OrderSeen("lwip.core", "fdbased.threads"));
    lockdep::ResetForTest();
  } else {
    EXPECT_TRUE(reports.empty());
  }
  a.reset();
  EXPECT_EQ(a, nullptr);
}

}  // namespace
}  // namespace fdlink::lwip
