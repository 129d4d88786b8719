#include "fdlink/device/netns.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "device_test_util.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/tun.h"
#include "testing/netns_fixture.h"

namespace fdlink::device {
namespace {

using testing::NetNsIdOf;
using testing::OpenFds;
using testing::RunInside;
using testing::ThreadNetNsId;

using NetNsTest = ::fdlink::testing::NetNsFixture;

TEST_F(NetNsTest, CreateLeavesCallerInItsNamespace) {
  const std::string before = ThreadNetNsId();
  Result<NetNs> other = NetNs::Create();
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_EQ(ThreadNetNsId(), before);
  EXPECT_NE(NetNsIdOf(*other), before);
  EXPECT_NE(NetNsIdOf(*other), NetNsIdOf(*ns_));
}

TEST_F(NetNsTest, RunExecutesInsideOnAnotherThread) {
  const std::string host = ThreadNetNsId();
  std::string inside;
  bool ran = false;
  Result<void> result = ns_->Run([&] {
    ran = true;
    inside = ThreadNetNsId();
  });
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_TRUE(ran);
  EXPECT_EQ(inside, NetNsIdOf(*ns_));
  EXPECT_NE(inside, host);
  EXPECT_EQ(ThreadNetNsId(), host);
}

TEST_F(NetNsTest, LoopbackIsUpAndAlone) {
  RunInside(*ns_, [] {
    Result<int> lo = InterfaceIndex("lo");
    ASSERT_TRUE(lo) << lo.error().ToString();
    Result<LinkInfo> info = GetLink(*lo);
    ASSERT_TRUE(info) << info.error().ToString();
    EXPECT_TRUE(info->up());
    EXPECT_NE(info->flags & IFF_LOOPBACK, 0u);
  });
}

TEST_F(NetNsTest, DevicesInsideAreInvisibleOutside) {
  std::optional<TunDevice> tun;  // Keeps the device alive after Run.
  RunInside(*ns_, [&] {
    Result<TunDevice> opened = OpenTun({.name = "fdlhide0"});
    ASSERT_TRUE(opened) << opened.error().ToString();
    EXPECT_TRUE(InterfaceIndex("fdlhide0"));
    tun.emplace(std::move(*opened));
  });
  ASSERT_TRUE(tun.has_value());
  // A read-only query from this thread, which is in the host namespace.
  Result<int> from_host = InterfaceIndex("fdlhide0");
  ASSERT_FALSE(from_host);
  EXPECT_EQ(from_host.error().code, Errc::kNotFound);
  EXPECT_STREQ(from_host.error().what, "unknown interface");
}

TEST_F(NetNsTest, ScopedEntryMovesThisThreadAndBack) {
  const std::string before = ThreadNetNsId();
  {
    Result<ScopedNetNsEntry> entry = ScopedNetNsEntry::Enter(*ns_);
    ASSERT_TRUE(entry) << entry.error().ToString();
    EXPECT_EQ(ThreadNetNsId(), NetNsIdOf(*ns_));
    ScopedNetNsEntry moved = std::move(*entry);  // Only one restores.
    EXPECT_EQ(ThreadNetNsId(), NetNsIdOf(*ns_));
  }
  EXPECT_EQ(ThreadNetNsId(), before);
}

TEST_F(NetNsTest, RunCommandReportsExitCodes) {
  Result<int> ok = RunCommandIn(*ns_, {"true"}, nullptr, 5000);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(*ok, 0);
  Result<int> fail = RunCommandIn(*ns_, {"false"}, nullptr, 5000);
  ASSERT_TRUE(fail) << fail.error().ToString();
  EXPECT_EQ(*fail, 1);
  Result<int> three = RunCommandIn(*ns_, {"sh", "-c", "exit 3"}, nullptr, -1);
  ASSERT_TRUE(three) << three.error().ToString();
  EXPECT_EQ(*three, 3);
  Result<int> killed =
      RunCommandIn(*ns_, {"sh", "-c", "kill -9 $$"}, nullptr, 5000);
  ASSERT_TRUE(killed) << killed.error().ToString();
  EXPECT_EQ(*killed, 128 + 9);
}

TEST_F(NetNsTest, RunCommandCapturesStdoutAndStderr) {
  std::string output = "stale";
  Result<int> status =
      RunCommandIn(*ns_, {"sh", "-c", "echo to-out; echo to-err >&2; exit 4"},
                   &output, 5000);
  ASSERT_TRUE(status) << status.error().ToString();
  EXPECT_EQ(*status, 4);
  EXPECT_NE(output.find("to-out\n"), std::string::npos) << output;
  EXPECT_NE(output.find("to-err\n"), std::string::npos) << output;
  EXPECT_EQ(output.find("stale"), std::string::npos) << output;
}

TEST_F(NetNsTest, RunCommandRunsInsideTheNamespace) {
  std::string output;
  Result<int> status =
      RunCommandIn(*ns_, {"readlink", "/proc/self/ns/net"}, &output, 5000);
  ASSERT_TRUE(status) << status.error().ToString();
  EXPECT_EQ(*status, 0);
  EXPECT_EQ(output, NetNsIdOf(*ns_) + "\n");
  EXPECT_NE(output, ThreadNetNsId() + "\n");
}

TEST_F(NetNsTest, PathWorksWithNsenter) {
  // Another process joins the namespace by path(), as `nsenter --net=`
  // would; here that process is itself started by RunCommandIn in a
  // second namespace, proving path() does not depend on the caller.
  Result<NetNs> other = NetNs::Create();
  ASSERT_TRUE(other) << other.error().ToString();
  std::string output;
  Result<int> status = RunCommandIn(
      *other,
      {"nsenter", "--net=" + ns_->path(), "readlink", "/proc/self/ns/net"},
      &output, 5000);
  ASSERT_TRUE(status) << status.error().ToString();
  EXPECT_EQ(*status, 0) << output;
  EXPECT_EQ(output, NetNsIdOf(*ns_) + "\n");
}

TEST_F(NetNsTest, RunCommandTimeoutKillsTheChild) {
  auto start = std::chrono::steady_clock::now();
  Result<int> status = RunCommandIn(*ns_, {"sleep", "10"}, nullptr, 200);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kTimedOut);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
}

// ProcessGone reports whether `pid` has exited (absent or a zombie),
// waiting up to a second for the kill to land.
bool ProcessGone(const std::string& pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    size_t paren = line.rfind(')');
    if (paren != std::string::npos && line.size() > paren + 2 &&
        line[paren + 2] == 'Z')
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(NetNsTest, RunCommandTimeoutKillsGrandchildrenToo) {
  // The shell's background `sleep` must die with it: the whole process
  // group is killed, not just the direct child.
  std::string output;
  auto start = std::chrono::steady_clock::now();
  Result<int> status = RunCommandIn(
      *ns_, {"sh", "-c", "sleep 10 & echo $!; wait; echo never"}, &output, 300);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kTimedOut);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  ASSERT_FALSE(output.empty());
  ASSERT_EQ(output.back(), '\n') << output;
  const std::string grandchild = output.substr(0, output.size() - 1);
  ASSERT_EQ(grandchild.find_first_not_of("0123456789"), std::string::npos)
      << output;
  EXPECT_TRUE(ProcessGone(grandchild)) << "sleep " << grandchild << " lives";
}

TEST_F(NetNsTest, RunCommandReportsExecFailure) {
  Result<int> status =
      RunCommandIn(*ns_, {"fdlink-no-such-program"}, nullptr, 5000);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::kNotFound);
  EXPECT_STREQ(status.error().what, "exec");
  Result<int> empty = RunCommandIn(*ns_, {}, nullptr, 5000);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::kInvalidArgument);
}

TEST(NetNsLeakTest, NamespacesDevicesAndCommandsLeakNoDescriptors) {
  const auto before = OpenFds();
  {
    Result<NetNs> ns = NetNs::Create();
    ASSERT_TRUE(ns) << ns.error().ToString();
    RunInside(*ns, [] {
      Result<TunDevice> tun = OpenTun({.name = "fdlleak0", .queues = 2});
      ASSERT_TRUE(tun) << tun.error().ToString();
      Result<std::pair<int, int>> veth = CreateVethPair("fdlleak1", "fdlleak2");
      ASSERT_TRUE(veth) << veth.error().ToString();
      EXPECT_TRUE(device::SetUp(tun->ifindex(), true));
    });
    std::string output;
    EXPECT_TRUE(RunCommandIn(*ns, {"true"}, &output, 5000));
    EXPECT_FALSE(RunCommandIn(*ns, {"sleep", "10"}, &output, 50));
    Result<ScopedNetNsEntry> entry = ScopedNetNsEntry::Enter(*ns);
    EXPECT_TRUE(entry);
  }
  EXPECT_EQ(OpenFds(), before);
}

}  // namespace
}  // namespace fdlink::device
