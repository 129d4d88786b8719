// NetifAdapter's connect-first path against the kernel: a client's SYN is
// held until the test admits or refuses it, and the kernel's connect()
// completes (and carries data) or fails with ECONNREFUSED accordingly.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "fdlink/lwip/netif_adapter.h"
#include "lwip/tun_adapter_fixture.h"
#include "testing/watchdog.h"

namespace fdlink::lwip {
namespace {

using namespace std::chrono_literals;

// Syn is one SynFn call.
struct Syn {
  FlowAddr src, dst;
  FlowId id = 0;
};

class ConnectFirstTest : public TunAdapterTest,
                         public ::testing::WithParamInterface<bool> {
 protected:
  bool V6() const { return GetParam(); }
  const char* Dst() const { return V6() ? "2001:db8:64::7" : "198.18.64.7"; }

  // Start makes the adapter with a SynFn that records each call and an
  // accept handler that echoes what it receives and closes at the peer's
  // end, then attaches.
  void Start(AdapterConfig config = Config()) {
    Create(config);
    ASSERT_TRUE(adapter_);
    adapter_->OnSyn(
        [this](const FlowAddr& src, const FlowAddr& dst, FlowId id) {
          std::lock_guard<std::mutex> l(mu_);
          syns_.push_back(Syn{src, dst, id});
        });
    adapter_->OnAccept([this](Connection& c) {
      core_lock.AssertHeld();
      accepted_ids_.push_back(c.flow_id());
      c.OnRecv([](Connection& c, std::span<const uint8_t> data) {
        core_lock.AssertHeld();
        if (data.empty()) {
          c.Close();
          return;
        }
        (void)c.Write(data);
        c.Consumed(data.size());
      });
    });
    adapter_->Attach();
  }

  std::vector<Syn> Syns() {
    std::lock_guard<std::mutex> l(mu_);
    return syns_;
  }

  // Connect starts a non-blocking connect() from inside the namespace to
  // Dst():port.
  UniqueFd Connect(uint16_t port) {
    const e2e::SockAddr to = e2e::MakeSockAddr(Dst(), port);
    UniqueFd s;
    EXPECT_TRUE(ns_->Run([&] {
      s.reset(
          ::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    }));
    if (!s.valid()) return s;
    EXPECT_EQ(::connect(s.get(), to.get(), to.len), -1);
    EXPECT_EQ(errno, EINPROGRESS);
    return s;
  }

  // Outcome waits up to `limit` for the connect to finish: 0 connected,
  // the socket's error, or ETIMEDOUT if it is still in progress.
  static int Outcome(const UniqueFd& s, std::chrono::milliseconds limit) {
    pollfd p{s.get(), POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return ETIMEDOUT;
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
  }

  // ExpectEcho sends a line and reads it back.
  static void ExpectEcho(const UniqueFd& s) {
    const std::string msg = "hello through a held SYN";
    ASSERT_EQ(::send(s.get(), msg.data(), msg.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(msg.size()));
    std::string got;
    while (got.size() < msg.size()) {
      pollfd p{s.get(), POLLIN, 0};
      ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no echo";
      char buf[256];
      const ssize_t n = ::recv(s.get(), buf, sizeof(buf), 0);
      ASSERT_GT(n, 0);
      got.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(got, msg);
  }

  // CloseAndExpectEnd shuts the client's side and waits for lwIP's FIN.
  static void CloseAndExpectEnd(const UniqueFd& s) {
    ::shutdown(s.get(), SHUT_WR);
    pollfd p{s.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    char c;
    EXPECT_EQ(::recv(s.get(), &c, 1, 0), 0) << "end of file";
  }

  std::mutex mu_;
  std::vector<Syn> syns_;  // Guarded by mu_.
  std::vector<FlowId> accepted_ids_ GUARDED_BY(core_lock);
};

TEST_P(ConnectFirstTest, HeldSynAdmittedLaterConnectsAndCarriesData) {
  Start();
  ASSERT_TRUE(adapter_);
  UniqueFd s = Connect(8080);
  ASSERT_TRUE(WaitUntil([&] { return Syns().size() == 1; }));
  const Syn syn = Syns()[0];
  EXPECT_EQ(syn.dst.ToString(),
            V6() ? "[2001:db8:64::7]:8080" : "198.18.64.7:8080");
  EXPECT_NE(syn.id, 0u);
  // Held: the client is still connecting, lwIP has seen nothing.
  EXPECT_EQ(Outcome(s, 300ms), ETIMEDOUT);
  EXPECT_EQ(adapter_->Counters().accepted, 0u);
  EXPECT_EQ(ActivePcbs(), 0u);
  EXPECT_TRUE(adapter_->AdmitFlow(syn.id));
  EXPECT_FALSE(adapter_->AdmitFlow(syn.id)) << "decided already";
  EXPECT_FALSE(adapter_->RefuseFlow(syn.id)) << "decided already";
  ASSERT_EQ(Outcome(s, 5s), 0);
  ExpectEcho(s);
  {
    CoreLockGuard g;
    ASSERT_EQ(accepted_ids_.size(), 1u);
    EXPECT_EQ(accepted_ids_[0], syn.id);
  }
  CloseAndExpectEnd(s);
  s.reset();
  const AdapterCounters c = adapter_->Counters();
  EXPECT_EQ(c.syn_held, 1u);
  EXPECT_EQ(c.syn_refused, 0u);
  EXPECT_EQ(c.rst_sent, 0u);
  ExpectNothingLeft();
}

TEST_P(ConnectFirstTest, RefusedFlowFailsTheClientsConnectAtOnce) {
  Start();
  ASSERT_TRUE(adapter_);
  UniqueFd s = Connect(443);
  ASSERT_TRUE(WaitUntil([&] { return Syns().size() == 1; }));
  const FlowId id = Syns()[0].id;
  EXPECT_TRUE(adapter_->RefuseFlow(id));
  EXPECT_EQ(Outcome(s, 1s), ECONNREFUSED);
  EXPECT_FALSE(adapter_->RefuseFlow(id));
  EXPECT_FALSE(adapter_->AdmitFlow(id));
  EXPECT_FALSE(adapter_->AdmitFlow(id + 1000)) << "unknown id";
  const AdapterCounters c = adapter_->Counters();
  EXPECT_EQ(c.syn_refused, 1u);
  EXPECT_EQ(c.rst_sent, 1u);
  EXPECT_EQ(c.accepted, 0u);
  ExpectNothingLeft();
}

TEST_P(ConnectFirstTest, UndecidedFlowIsRefusedAfterSynTimeout) {
  AdapterConfig config = Config();
  config.syn_timeout = 300ms;
  Start(config);
  ASSERT_TRUE(adapter_);
  UniqueFd s = Connect(22);
  EXPECT_EQ(Outcome(s, 3s), ECONNREFUSED);
  ASSERT_EQ(Syns().size(), 1u);
  EXPECT_FALSE(adapter_->AdmitFlow(Syns()[0].id)) << "timed out already";
  EXPECT_EQ(adapter_->Counters().syn_refused, 1u);
  EXPECT_EQ(adapter_->Counters().rst_sent, 1u);
  ExpectNothingLeft();
}

TEST_P(ConnectFirstTest, RetransmittedSynsWhileHeldMakeNoSecondFlow) {
  Start();
  ASSERT_TRUE(adapter_);
  UniqueFd s = Connect(8443);
  ASSERT_TRUE(WaitUntil([&] { return Syns().size() == 1; }));
  // The kernel retransmits its SYN after about a second.
  ASSERT_TRUE(
      WaitUntil([&] { return adapter_->Counters().syn_absorbed >= 1; }, 5s))
      << "no retransmitted SYN";
  EXPECT_EQ(Syns().size(), 1u);
  EXPECT_EQ(adapter_->TranslationCounters().created, 1u);
  EXPECT_EQ(adapter_->Counters().syn_held, 1u);
  EXPECT_EQ(adapter_->Counters().rx_translated, 0u);
  EXPECT_TRUE(adapter_->AdmitFlow(Syns()[0].id));
  ASSERT_EQ(Outcome(s, 5s), 0);
  ExpectEcho(s);
  CloseAndExpectEnd(s);
  s.reset();
  EXPECT_EQ(adapter_->TranslationCounters().created, 1u);
  ExpectNothingLeft();
}

TEST_P(ConnectFirstTest, DetachDropsHeldSynsWithoutCallingBack) {
  Start();
  ASSERT_TRUE(adapter_);
  UniqueFd s = Connect(80);
  ASSERT_TRUE(WaitUntil([&] { return Syns().size() == 1; }));
  {
    testing::Watchdog dog(20s, "NetifAdapter::Detach");
    adapter_->Detach();
  }
  EXPECT_FALSE(adapter_->AdmitFlow(Syns()[0].id));
  EXPECT_FALSE(adapter_->RefuseFlow(Syns()[0].id));
  EXPECT_EQ(adapter_->TranslationCounters().open, 0u);
  EXPECT_EQ(adapter_->Counters().rst_sent, 0u);
  EXPECT_EQ(Syns().size(), 1u);
  EXPECT_EQ(ActivePcbs(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, ConnectFirstTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? "Ipv6" : "Ipv4";
                         });

}  // namespace
}  // namespace fdlink::lwip
