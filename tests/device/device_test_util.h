// Helpers shared by the device tests: run code inside a private network
// namespace (refusing to run in the host's), list open descriptors, and
// small socket helpers for traffic the kernel generates.
#ifndef FDLINK_TESTS_DEVICE_DEVICE_TEST_UTIL_H_
#define FDLINK_TESTS_DEVICE_DEVICE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <net/if.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <system_error>
#include <thread>

#include "fdlink/base/result.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"

namespace fdlink::device::testing {

// ThreadNetNsId names the calling thread's network namespace ("net:[N]").
inline std::string ThreadNetNsId() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/thread-self/ns/net", ec).string();
}

// NetNsIdOf names the namespace behind a NetNs handle.
inline std::string NetNsIdOf(const NetNs& ns) {
  std::error_code ec;
  return std::filesystem::read_symlink(ns.path(), ec).string();
}

// RunInside runs fn inside ns on a dedicated thread, after checking that
// the thread really left the host namespace: no test ever creates a
// device in the host namespace.
inline void RunInside(const NetNs& ns, const std::function<void()>& fn) {
  const std::string host = ThreadNetNsId();
  ASSERT_FALSE(host.empty());
  Result<void> ran = ns.Run([&] {
    const std::string inside = ThreadNetNsId();
    ASSERT_NE(inside, host) << "refusing to run in the host namespace";
    ASSERT_EQ(inside, NetNsIdOf(ns));
    fn();
  });
  ASSERT_TRUE(ran) << ran.error().ToString();
}

// MustParse parses a CIDR the test spells out; a typo fails the test and
// yields an empty Cidr.
inline Cidr MustParse(const char* text) {
  Result<Cidr> cidr = Cidr::Parse(text);
  EXPECT_TRUE(cidr) << text;
  return cidr ? *cidr : Cidr{};
}

// OpenFds maps each open descriptor number of this process to its target.
inline std::map<std::string, std::string> OpenFds() {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    std::error_code link_ec;
    out[entry.path().filename().string()] =
        std::filesystem::read_symlink(entry.path(), link_ec).string();
  }
  return out;
}

// WaitRunning waits up to two seconds for IFF_RUNNING (carrier and
// operational state up) on ifindex; returns whether it came.
inline bool WaitRunning(int ifindex) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    Result<LinkInfo> info = GetLink(ifindex);
    if (info && (info->flags & IFF_RUNNING) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace fdlink::device::testing

#endif  // FDLINK_TESTS_DEVICE_DEVICE_TEST_UTIL_H_
