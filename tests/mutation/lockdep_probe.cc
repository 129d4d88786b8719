// lockdep_probe: drives the endpoint through the two waits the mutations
// move under Endpoint::mu_, in an order in which the cycle is seen by
// lockdep without the threads ever deadlocking (no packet is in flight
// when the wait starts). Built by run_mutation.sh against the mutated
// sources; also run against the real ones, where it must report nothing.
//
//   lockdep_probe detach         attach, deliver (the callback takes mu_),
//                                detach                            (M1)
//   lockdep_probe start_failure  the same, then an attach whose second
//                                thread fails to start             (M3)
//   lockdep_probe lwip_detach    an lwIP adapter on the endpoint gets one
//                                packet (a receive thread takes
//                                lwip.core), then is detached      (M4)
//
// Exit codes: 0 no report, 3 lockdep reported (the report is printed),
// 2 the scenario itself failed (message on stderr).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "fdlink/base/lockdep.h"
#include "fdlink/base/thread_start.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/sys/syscalls.h"
#include "testing/packets.h"

namespace {

using namespace fdlink;
using namespace std::chrono_literals;

int Fail(const char* what) {
  std::fprintf(stderr, "lockdep_probe: %s\n", what);
  return 2;
}

// Calls back into the endpoint from every delivery, as a stack does.
class CallingDispatcher : public NetworkDispatcher {
 public:
  explicit CallingDispatcher(fdbased::Endpoint** ep) : ep_(ep) {}
  void DeliverNetworkPacket(NetworkProtocolNumber, PacketBufferPtr) override {
    (void)(*ep_)->IsAttached();
    count.fetch_add(1);
  }
  bool WaitFor(int n) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (count.load() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  std::atomic<int> count{0};

 private:
  fdbased::Endpoint** ep_;
};

// RunLwip drives NetifAdapter::Detach after a delivery (M4 moves its
// endpoint detach under the lwIP core lock).
int RunLwip(UniqueFd& peer, Result<std::unique_ptr<fdbased::Endpoint>>& ep) {
  lwip::AdapterConfig c;
  c.nat.local4 = header::Ipv4Address({198, 19, 0, 1});
  c.nat.local6 = header::Ipv6Address::Parse("2001:db8:ff::1").value();
  c.nat.pool4 = header::Ipv4Address({198, 19, 1, 0});
  c.nat.pool6 = header::Ipv6Address::Parse("2001:db8:ff::1:0").value();
  c.nat.listen_port = 7000;
  c.netmask4 = header::Ipv4Address({255, 255, 0, 0});
  Result<std::unique_ptr<lwip::NetifAdapter>> a =
      lwip::NetifAdapter::Create(ep->get(), c);
  if (!a) return Fail("NetifAdapter::Create");
  (*a)->Attach();
  const std::vector<uint8_t> pkt =
      testing::Ipv4Udp("198.18.0.1", "198.19.0.1", 1000, 7, 64);
  if (!sys::Write(peer.get(), pkt)) return Fail("send");
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((*a)->Counters().rx_packets < 1) {
    if (std::chrono::steady_clock::now() > deadline) return Fail("no delivery");
    std::this_thread::sleep_for(1ms);
  }
  // lockdep has seen fdbased.threads -> lwip.core; the loop is idle.
  (*a)->Detach();
  a->reset();
  return lockdep::ReportCount() == 0 ? 0 : 3;
}

int Run(const std::string& scenario) {
  UniqueFd ours, peer;
  if (!sys::SocketPair(SOCK_SEQPACKET, &ours, &peer)) return Fail("socketpair");
  fdbased::Options o;
  o.fds = {ours.get()};
  Result<std::unique_ptr<fdbased::Endpoint>> made =
      fdbased::Endpoint::Create(std::move(o));
  if (!made) return Fail("Create");
  if (scenario == "lwip_detach") return RunLwip(peer, made);
  fdbased::Endpoint* ep = made->get();
  CallingDispatcher d(&ep);
  if (!ep->TryAttach(&d)) return Fail("first attach");
  const std::vector<uint8_t> pkt =
      testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1000, 7, 64);
  if (!sys::Write(peer.get(), pkt)) return Fail("send");
  if (!d.WaitFor(1)) return Fail("no delivery");
  // Now lockdep has seen fdbased.threads -> fdbased.Endpoint.mu, and the
  // loop is idle in ppoll: a wait under mu_ closes the cycle at once.
  ep->Attach(nullptr);
  if (scenario == "start_failure") {
    int starts = 0;
    SetThreadStartHookForTest([&starts] { return starts++ == 0; });
    Result<void> r = ep->TryAttach(&d);
    SetThreadStartHookForTest(nullptr);
    if (r) return Fail("attach with a failing thread start succeeded");
    if (ep->IsAttached()) return Fail("attached after a failed attach");
  } else if (scenario != "detach") {
    return Fail("unknown scenario (detach | start_failure | lwip_detach)");
  }
  made->reset();
  return lockdep::ReportCount() == 0 ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2)
    return Fail("usage: lockdep_probe detach|start_failure|lwip_detach");
  if (!lockdep::Enabled()) return Fail("built without lockdep");
  lockdep::SetReportHandler([](const std::string& report) {
    std::fprintf(stderr, "lockdep report:\n%s\n", report.c_str());
    std::fflush(stderr);
    _exit(3);  // Before the wait that was reported can block.
  });
  return Run(argv[1]);
}
