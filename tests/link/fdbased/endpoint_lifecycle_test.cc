// The lifecycle contract of fdbased::Endpoint, one test per promise, in
// every receive mode that applies to the fds (testing/dispatch_modes.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/sys/syscalls.h"
#include "testing/dispatch_modes.h"
#include "testing/dispatcher.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using namespace std::chrono_literals;
using testing::RecordingDispatcher;
using testing::SocketPairs;

std::vector<uint8_t> Pkt(uint16_t sport = 1000, size_t n = 64) {
  return testing::Ipv4Udp("198.18.0.1", "198.18.0.2", sport, 7, n);
}

// EndpointLifecycle runs on socketpairs, once per mode that applies to
// them; MakeEndpoint builds the endpoint in the suite's mode and checks that
// the mode is in effect.
class EndpointLifecycle : public ::testing::TestWithParam<PacketDispatchMode> {
 protected:
  std::unique_ptr<Endpoint> MakeEndpoint(const SocketPairs& sp,
                                         ClosedFunc closed = nullptr,
                                         uint32_t processors = 1) {
    Options o;
    o.fds = sp.ours();
    o.closed_func = std::move(closed);
    o.processors_per_channel = processors;
    o.dispatch_mode = GetParam();
    std::unique_ptr<Endpoint> ep = testing::MustCreateEndpoint(std::move(o));
    EXPECT_TRUE(testing::ModeInEffect(*ep, GetParam()));
    return ep;
  }
};

// 1. Attach on an attached endpoint does nothing.
TEST_P(EndpointLifecycle, AttachWhenAttachedIsNoOp) {
  SocketPairs sp(1);
  auto ep = MakeEndpoint(sp);
  RecordingDispatcher d1, d2;
  ep->Attach(&d1);
  ep->Attach(&d2);
  EXPECT_TRUE(ep->IsAttached());
  testing::Send(sp.peers[0].get(), Pkt());
  ASSERT_TRUE(d1.WaitForCount(1));
  ep->Attach(nullptr);
  EXPECT_EQ(d2.Count(), 0u);
  EXPECT_FALSE(ep->IsAttached());
}

// 2. Detach returns only after a delivery in progress has returned, and the
// dispatcher may be destroyed right after (ASan watches the destruction).
TEST_P(EndpointLifecycle, DetachWaitsForDeliveryThenDispatcherMayDie) {
  for (uint32_t processors : {1u, 2u}) {
    SCOPED_TRACE(::testing::Message() << "processors=" << processors);
    SocketPairs sp(2);
    auto ep = MakeEndpoint(sp, nullptr, processors);
    auto d = std::make_unique<RecordingDispatcher>();
    std::atomic<bool> inside{false}, finished{false};
    d->hook = [&](NetworkProtocolNumber, PacketBuffer&) {
      inside = true;
      std::this_thread::sleep_for(200ms);
      finished = true;
    };
    ep->Attach(d.get());
    testing::Send(sp.peers[0].get(), Pkt());
    while (!inside) std::this_thread::sleep_for(1ms);
    ep->Attach(nullptr);
    EXPECT_TRUE(finished) << "detach returned while a delivery was running";
    d.reset();  // Destroyed right after detach: nothing may touch it now.
    testing::Send(sp.peers[0].get(), Pkt());
    testing::Send(sp.peers[1].get(), Pkt());
    std::this_thread::sleep_for(20ms);
  }
}

// 2b. While a delivery is stuck, every control call still returns: the hot
// path holds no lock a control call needs, and detach holds none while it
// waits.
TEST_P(EndpointLifecycle, ControlCallsDoNotBlockOnStuckDelivery) {
  SocketPairs sp(1);
  auto ep = MakeEndpoint(sp);
  RecordingDispatcher d;
  std::atomic<bool> inside{false}, release{false};
  d.hook = [&](NetworkProtocolNumber, PacketBuffer&) {
    inside = true;
    while (!release) std::this_thread::sleep_for(1ms);
  };
  ep->Attach(&d);
  testing::Send(sp.peers[0].get(), Pkt());
  while (!inside) std::this_thread::sleep_for(1ms);
  std::thread detacher([&] { ep->Attach(nullptr); });
  std::this_thread::sleep_for(20ms);
  // Detach is now waiting; none of these may block.
  ep->SetLinkAddress(MacAddress({2, 0, 0, 0, 0, 1}));
  EXPECT_EQ(ep->LinkAddress(), MacAddress({2, 0, 0, 0, 0, 1}));
  ep->SetMTU(1400);
  EXPECT_EQ(ep->MTU(), 1400u);
  EXPECT_FALSE(ep->IsAttached());
  release = true;
  detacher.join();
}

// 3. Detach from inside DeliverNetworkPacket: stops and joins the others,
// returns, and the calling thread ends after the callback.
TEST_P(EndpointLifecycle, DetachFromInsideDelivery) {
  for (uint32_t processors : {1u, 3u}) {
    SCOPED_TRACE(::testing::Message() << "processors=" << processors);
    SocketPairs sp(3);
    auto ep = MakeEndpoint(sp, nullptr, processors);
    auto d = std::make_unique<RecordingDispatcher>();
    std::atomic<int> detaches{0};
    d->hook = [&](NetworkProtocolNumber, PacketBuffer&) {
      if (detaches.fetch_add(1) == 0) {
        ep->Attach(nullptr);
        EXPECT_FALSE(ep->IsAttached());
      }
    };
    ep->Attach(d.get());
    for (auto& p : sp.peers) testing::Send(p.get(), Pkt());
    ASSERT_TRUE(d->WaitForCount(1));
    ep->Wait();  // Every thread, the self-detached one included, exits.
    d.reset();
    EXPECT_FALSE(ep->IsAttached());
    // It can be attached again on the same fds.
    RecordingDispatcher d2;
    ep->Attach(&d2);
    testing::Send(sp.peers[1].get(), Pkt());
    EXPECT_TRUE(d2.WaitForCount(1));
    ep->Attach(nullptr);
  }
}

// 3b. Two loops that both detach from their callbacks do not wait for each
// other.
TEST_P(EndpointLifecycle, TwoCallbacksDetachAtOnce) {
  SocketPairs sp(2);
  auto ep = MakeEndpoint(sp);
  RecordingDispatcher d;
  std::atomic<int> arrived{0};
  d.hook = [&](NetworkProtocolNumber, PacketBuffer&) {
    arrived.fetch_add(1);
    while (arrived.load() < 2) std::this_thread::sleep_for(1ms);
    ep->Attach(nullptr);
  };
  ep->Attach(&d);
  testing::Send(sp.peers[0].get(), Pkt());
  testing::Send(sp.peers[1].get(), Pkt());
  ASSERT_TRUE(d.WaitForCount(2));
  ep->Wait();
  EXPECT_FALSE(ep->IsAttached());
}

// 3c. Detach from inside the closed callback.
TEST_P(EndpointLifecycle, DetachFromClosedCallback) {
  SocketPairs sp(2);
  std::unique_ptr<Endpoint> ep;
  std::atomic<int> calls{0};
  ep = MakeEndpoint(sp, [&](const Error&) {
    calls.fetch_add(1);
    ep->Attach(nullptr);
  });
  RecordingDispatcher d;
  ep->Attach(&d);
  sp.peers[0].reset();
  ep->Wait();
  EXPECT_EQ(calls.load(), 1);  // fd 1's loop was stopped by the detach.
  EXPECT_FALSE(ep->IsAttached());
}

// 4. Detaching a never-attached endpoint is a no-op; so is a second detach.
TEST_P(EndpointLifecycle, DetachNeverAttachedIsNoOp) {
  SocketPairs sp(1);
  auto ep = MakeEndpoint(sp);
  ep->Attach(nullptr);
  ep->Attach(nullptr);
  EXPECT_FALSE(ep->IsAttached());
  ep->Wait();
}

// 4b. Concurrent detaches all return only after quiescence.
TEST_P(EndpointLifecycle, ConcurrentDetachesAllWait) {
  SocketPairs sp(2);
  auto ep = MakeEndpoint(sp);
  RecordingDispatcher d;
  std::atomic<bool> inside{false}, finished{false};
  d.hook = [&](NetworkProtocolNumber, PacketBuffer&) {
    inside = true;
    std::this_thread::sleep_for(150ms);
    finished = true;
  };
  ep->Attach(&d);
  testing::Send(sp.peers[0].get(), Pkt());
  while (!inside) std::this_thread::sleep_for(1ms);
  std::atomic<int> early{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) {
    ts.emplace_back([&] {
      ep->Attach(nullptr);
      if (!finished) early.fetch_add(1);
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(early.load(), 0);
}

// 4c. Attach, detach, attach again on the same fds, many times.
TEST_P(EndpointLifecycle, ReattachManyTimes) {
  SocketPairs sp(2);
  auto ep = MakeEndpoint(sp);
  for (int i = 0; i < 50; ++i) {
    RecordingDispatcher d;
    ep->Attach(&d);
    testing::Send(sp.peers[static_cast<size_t>(i % 2)].get(), Pkt());
    ASSERT_TRUE(d.WaitForCount(1)) << "cycle " << i;
    ep->Attach(nullptr);
  }
}

// 5. Peer close ends that fd's loop and calls the closed callback once,
// with Errc::kPeerClosed; a detach does not call it.
TEST_P(EndpointLifecycle, PeerCloseCallsClosedFuncOncePerFd) {
  SocketPairs sp(2);
  Mutex mu{"test.closed.mu"};
  std::vector<Errc> codes;
  auto ep = MakeEndpoint(sp, [&](const Error& e) {
    MutexLock l(&mu);
    codes.push_back(e.code);
  });
  RecordingDispatcher d;
  ep->Attach(&d);
  sp.peers[0].reset();
  sp.peers[1].reset();
  ep->Wait();
  {
    MutexLock l(&mu);
    ASSERT_EQ(codes.size(), 2u);
    EXPECT_EQ(codes[0], Errc::kPeerClosed);
    EXPECT_EQ(codes[1], Errc::kPeerClosed);
  }
  ep->Attach(nullptr);
  MutexLock l(&mu);
  EXPECT_EQ(codes.size(), 2u);
}

TEST_P(EndpointLifecycle, DetachDoesNotCallClosedFunc) {
  SocketPairs sp(2);
  std::atomic<int> calls{0};
  auto ep = MakeEndpoint(sp, [&](const Error&) { calls.fetch_add(1); });
  RecordingDispatcher d;
  ep->Attach(&d);
  ep->Attach(nullptr);
  ep.reset();
  EXPECT_EQ(calls.load(), 0);
}

// 5b. An fd that fails (here: the write end of a pipe, which cannot be
// read) reports Errc::kIoError, not kPeerClosed.
// (A pipe is not a socket: the modes of non-socket fds.)
class EndpointLifecycleNonSocket
    : public ::testing::TestWithParam<PacketDispatchMode> {};

TEST_P(EndpointLifecycleNonSocket, FdErrorReportsIoError) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  std::atomic<int> calls{0};
  std::atomic<Errc> code{Errc::kUnknown};
  Options o;
  o.fds = {w.get()};
  o.dispatch_mode = GetParam();
  o.closed_func = [&](const Error& e) {
    code = e.code;
    calls.fetch_add(1);
  };
  auto ep = testing::MustCreateEndpoint(std::move(o));
  EXPECT_TRUE(testing::ModeInEffect(*ep, GetParam()));
  RecordingDispatcher d;
  ep->Attach(&d);
  ep->Wait();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(code.load(), Errc::kIoError);
  EXPECT_EQ(ep->Counters(0).rx_errors, 1u);
}

// 6. Wait returns after a detach, and after every peer closed.
TEST_P(EndpointLifecycle, WaitReturnsAfterDetach) {
  SocketPairs sp(2);
  auto ep = MakeEndpoint(sp, nullptr, 2);
  RecordingDispatcher d;
  ep->Attach(&d);
  std::thread t([&] { ep->Attach(nullptr); });
  ep->Wait();
  t.join();
  EXPECT_FALSE(ep->IsAttached());
}

TEST_P(EndpointLifecycle, WaitReturnsWhenAllPeersClosed) {
  SocketPairs sp(3);
  auto ep = MakeEndpoint(sp, nullptr, 2);
  RecordingDispatcher d;
  ep->Attach(&d);
  for (auto& p : sp.peers) testing::Send(p.get(), Pkt());
  ASSERT_TRUE(d.WaitForCount(3));
  for (auto& p : sp.peers) p.reset();
  ep->Wait();
  EXPECT_TRUE(ep->IsAttached());  // Still attached until detached.
  ep->Attach(nullptr);
}

// 7. Creating and destroying 10,000 endpoints (each attached and detached)
// leaves the process's fd count unchanged: threads and eventfds are freed.
// (2,000 in the modes other than readv, to keep the suite's time down.)
TEST_P(EndpointLifecycle, TenThousandEndpointsLeakNoFds) {
  SocketPairs sp(1);
  const size_t before = sys::CountOpenFds().value();
  RecordingDispatcher d;
  const int n = GetParam() == PacketDispatchMode::kReadv ? 10000 : 2000;
  for (int i = 0; i < n; ++i) {
    auto ep = MakeEndpoint(sp);
    ep->Attach(&d);
    if (i % 2 == 0) ep->Attach(nullptr);  // The other half: destructor.
  }
  EXPECT_EQ(sys::CountOpenFds().value(), before);
}

TEST_P(EndpointLifecycle, CloseRunsOnCloseActionOnceAndStopsThreads) {
  SocketPairs sp(2);
  auto ep = MakeEndpoint(sp);
  std::atomic<int> actions{0};
  ep->SetOnCloseAction([&] { actions.fetch_add(1); });
  RecordingDispatcher d;
  ep->Attach(&d);
  ep->Close();
  ep->Close();
  EXPECT_EQ(actions.load(), 1);
  EXPECT_FALSE(ep->IsAttached());
  ep->Attach(&d);  // Closed: stays detached.
  EXPECT_FALSE(ep->IsAttached());
}

// 8. Detach takes effect under a sustained flood: the loop checks the stop
// signal between reads, so it does not wait for the socket to run dry.
TEST_P(EndpointLifecycle, DetachUnderFlood) {
  SocketPairs sp(1, SOCK_DGRAM);
  auto ep = MakeEndpoint(sp);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> sent{0};
  std::vector<uint8_t> pkt = Pkt(1, 64);
  ASSERT_TRUE(sys::SetNonBlocking(sp.peers[0].get()).has_value());
  std::thread writer([&] {
    while (!stop) {
      if (sys::Write(sp.peers[0].get(), pkt)) sent.fetch_add(1);
    }
  });
  for (int i = 0; i < 20; ++i) {
    RecordingDispatcher d;
    d.record_bytes = false;
    ep->Attach(&d);
    ASSERT_TRUE(d.WaitForCount(100));
    ep->Attach(nullptr);
    const size_t after = d.Count();
    std::this_thread::sleep_for(2ms);
    EXPECT_EQ(d.Count(), after) << "delivery after detach returned";
  }
  stop = true;
  writer.join();
  EXPECT_GT(sent.load(), 0u);
}

// Detach racing SetLinkAddress / LinkAddress / SetMTU while packets flow.
TEST_P(EndpointLifecycle, DetachRacesControlCalls) {
  SocketPairs sp(2, SOCK_DGRAM);
  Options o;
  o.fds = sp.ours();
  o.processors_per_channel = 2;
  o.dispatch_mode = GetParam();
  auto ep = testing::MustCreateEndpoint(std::move(o));
  EXPECT_TRUE(testing::ModeInEffect(*ep, GetParam()));
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  for (auto& p : sp.peers)
    ASSERT_TRUE(sys::SetNonBlocking(p.get()).has_value());
  for (size_t i = 0; i < 2; ++i) {
    ts.emplace_back([&, i] {
      std::vector<uint8_t> p = Pkt(static_cast<uint16_t>(i), 100);
      while (!stop) (void)sys::Write(sp.peers[i].get(), p);
    });
  }
  ts.emplace_back([&] {
    uint64_t n = 0;
    while (!stop) {
      ep->SetLinkAddress(MacAddress::FromU64(++n));
      ep->SetMTU(static_cast<uint32_t>(1000 + n % 500));
      (void)ep->LinkAddress();
      (void)ep->MTU();
      (void)ep->IsAttached();
    }
  });
  for (int i = 0; i < 100; ++i) {
    RecordingDispatcher d;
    d.record_bytes = false;
    ep->Attach(&d);
    std::this_thread::sleep_for(std::chrono::microseconds(200 + i * 10));
    ep->Attach(nullptr);
  }
  stop = true;
  for (auto& t : ts) t.join();
}

INSTANTIATE_TEST_SUITE_P(Modes, EndpointLifecycle,
                         testing::ModesOf(testing::FdKind::kSocketpair),
                         testing::ModeParamName);
INSTANTIATE_TEST_SUITE_P(Modes, EndpointLifecycleNonSocket,
                         testing::ModesOf(testing::FdKind::kNonSocket),
                         testing::ModeParamName);

}  // namespace
}  // namespace fdlink::fdbased
