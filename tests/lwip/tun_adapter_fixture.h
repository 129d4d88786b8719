// The lwip layer's TUN fixture: a private namespace whose TUN routes
// 198.18.64.0/24 and 2001:db8:64::/64 into a NetifAdapter (the kernel's
// own addresses are .1/.2 and ::1/::2; every other address belongs to
// nobody), plus the helpers its tests share.
#ifndef FDLINK_TESTS_LWIP_TUN_ADAPTER_FIXTURE_H_
#define FDLINK_TESTS_LWIP_TUN_ADAPTER_FIXTURE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "device/device_test_util.h"
#include "e2e/e2e_util.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/lwip/stack.h"
#include "fdlink/sys/syscalls.h"
#include "lwip/lwip_test_packets.h"

namespace fdlink::lwip {

// Config is the tests' adapter configuration: lwIP at 198.19.0.1 and
// 2001:db8:ff::1, a 4-address pool, short lifetimes and tick.
inline AdapterConfig Config(size_t max_entries = 64) {
  using namespace std::chrono_literals;
  AdapterConfig c;
  c.nat.local4 = V4("198.19.0.1");
  c.nat.local6 = V6("2001:db8:ff::1");
  c.nat.listen_port = 7000;
  c.nat.pool4 = V4("198.19.1.0");
  c.nat.pool6 = V6("2001:db8:ff::1:0");
  c.nat.pool_addresses = 4;
  c.nat.max_entries = max_entries;
  c.nat.tcp_linger = 200ms;
  c.netmask4 = V4("255.255.0.0");
  c.tick = 50ms;
  return c;
}

// WaitUntil polls `done` every 10 ms until it is true (true) or `limit`
// passes (false).
inline bool WaitUntil(
    const std::function<bool()>& done,
    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// ActivePcbs is lwIP's number of active TCP pcbs (all adapters').
inline size_t ActivePcbs() {
  Stack& s = Stack::Get();
  CoreLockGuard g;
  return s.ActiveTcpPcbs();
}

// TunAdapterTest opens the TUN (fdlwip0) in the test's namespace; Create
// makes the endpoint on it and the adapter (not attached).
class TunAdapterTest : public e2e::E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    Inside([&] {
      // No duplicate address detection: the addresses work at once.
      for (const char* c : {"default", "all"}) {
        e2e::WriteProcFile(
            std::string("/proc/sys/net/ipv6/conf/") + c + "/accept_dad", "0");
      }
      Result<device::TunDevice> d = device::OpenTun({.name = "fdlwip0"});
      ASSERT_TRUE(d) << d.error().ToString();
      for (const char* cidr : {"198.18.64.1/24", "198.18.64.2/24",
                               "2001:db8:64::1/64", "2001:db8:64::2/64"}) {
        ASSERT_TRUE(
            device::AddAddress(d->ifindex(), device::Cidr::Parse(cidr).value()))
            << cidr;
      }
      ASSERT_TRUE(device::SetUp(d->ifindex(), true));
      tun_.emplace(std::move(*d));
    });
  }
  void TearDown() override {
    adapter_.reset();  // Detaches before the endpoint goes.
    E2eTest::TearDown();
  }

  // Create makes ep_ on the TUN and adapter_ on it, not attached.
  void Create(const AdapterConfig& config = Config()) {
    fdbased::Options o;
    o.fds = tun_->borrowed_fds();
    Result<std::unique_ptr<fdbased::Endpoint>> ep =
        fdbased::Endpoint::Create(std::move(o));
    ASSERT_TRUE(ep) << ep.error().ToString();
    ep_ = std::move(*ep);
    Result<std::unique_ptr<NetifAdapter>> a =
        NetifAdapter::Create(ep_.get(), config);
    ASSERT_TRUE(a) << a.error().ToString();
    adapter_ = std::move(*a);
  }

  // ExpectNothingLeft waits for the translation entries, connections and
  // lwIP pcbs to be gone.
  void ExpectNothingLeft() {
    EXPECT_TRUE(WaitUntil([&] {
      return adapter_->TranslationCounters().open == 0;
    })) << "translation entries left: "
        << adapter_->TranslationCounters().open;
    EXPECT_TRUE(WaitUntil([&] { return adapter_->OpenConnections() == 0; }));
    EXPECT_TRUE(WaitUntil([&] { return ActivePcbs() == 0; }))
        << "lwIP pcbs left: " << ActivePcbs();
  }

  std::unique_ptr<NetifAdapter> adapter_;
};

// PairEndpoint is an endpoint over a socketpair (IP packets, no kernel
// stack) and no adapter yet: the test writes and reads `peer`. `ep` is
// null if the socketpair could not be made.
struct PairEndpoint {
  PairEndpoint() {
    if (!sys::SocketPair(SOCK_SEQPACKET, &fd, &peer)) return;
    fdbased::Options o;
    o.fds = {fd.get()};
    ep = std::move(fdbased::Endpoint::Create(std::move(o)).value());
  }

  UniqueFd fd, peer;
  std::unique_ptr<fdbased::Endpoint> ep;
};

// PairLink is an attached adapter on a PairEndpoint. `setup` runs on the
// adapter before it is attached (to set callbacks).
struct PairLink : PairEndpoint {
  explicit PairLink(const std::function<void(NetifAdapter&)>& setup = nullptr,
                    const AdapterConfig& config = Config()) {
    if (ep == nullptr) return;
    adapter = std::move(NetifAdapter::Create(ep.get(), config).value());
    if (setup) setup(*adapter);
    adapter->Attach();
  }
  ~PairLink() { adapter.reset(); }  // Before the endpoint.

  std::unique_ptr<NetifAdapter> adapter;
};

}  // namespace fdlink::lwip

#endif  // FDLINK_TESTS_LWIP_TUN_ADAPTER_FIXTURE_H_
