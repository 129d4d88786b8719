#include "fdlink/device/tun.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "device_test_util.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/offload/offload_bits.h"
#include "fdlink/sys/process.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/tun_sys.h"
#include "testing/netns_fixture.h"

namespace fdlink::device {
namespace {

using testing::MustParse;
using testing::RunInside;

constexpr uint16_t kProbePort = 7777;
constexpr char kProbePayload[] = "fdlink-tun-probe";

using TunTest = ::fdlink::testing::NetNsFixture;

// SendUdpProbe has the kernel send kProbePayload to 198.18.0.2:kProbePort
// from a socket in the calling thread's namespace.
void SendUdpProbe() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(sock.valid()) << std::strerror(errno);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(kProbePort);
  ASSERT_EQ(::inet_pton(AF_INET, "198.18.0.2", &to.sin_addr), 1);
  ssize_t n = ::sendto(sock.get(), kProbePayload, sizeof(kProbePayload), 0,
                       reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof(kProbePayload)))
      << std::strerror(errno);
}

// IsProbe reports whether `packet` is the IPv4/UDP datagram SendUdpProbe
// sends (checked byte by byte; no header library needed).
bool IsProbe(const std::vector<uint8_t>& packet) {
  if (packet.size() < 20 || (packet[0] >> 4) != 4) return false;
  const size_t ihl = (packet[0] & 0x0f) * 4u;
  if (packet[9] != 17 || packet.size() < ihl + 8 + sizeof(kProbePayload))
    return false;
  const uint8_t dst[4] = {198, 18, 0, 2};
  if (std::memcmp(&packet[16], dst, 4) != 0) return false;
  if (packet[ihl + 2] != (kProbePort >> 8) ||
      packet[ihl + 3] != (kProbePort & 0xff))
    return false;
  return std::memcmp(&packet[ihl + 8], kProbePayload, sizeof(kProbePayload)) ==
         0;
}

// ReadProbe reads packets from the TUN fd for up to two seconds until the
// probe arrives; `skip` bytes (a virtio-net header) precede each packet.
bool ReadProbe(int fd, size_t skip) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::array<uint8_t, 2048> buf;
  while (std::chrono::steady_clock::now() < deadline) {
    Result<bool> ready = sys::WaitReadable(fd, 50);
    if (!ready || !*ready) continue;
    Result<size_t> n = sys::Read(fd, buf);
    if (!n || *n < skip) continue;
    std::vector<uint8_t> packet(buf.begin() + skip, buf.begin() + *n);
    if (IsProbe(packet)) return true;
  }
  return false;
}

TEST_F(TunTest, ConfigureTunOverNetlink) {
  RunInside(*ns_, [this] {
    Result<TunDevice> tun = OpenTun({.name = "fdltun0"});
    ASSERT_TRUE(tun) << tun.error().ToString();
    EXPECT_EQ(tun->name(), "fdltun0");
    EXPECT_FALSE(tun->tap());
    ASSERT_EQ(tun->fds().size(), 1u);
    const int index = tun->ifindex();
    ASSERT_GT(index, 0);
    EXPECT_EQ(*InterfaceIndex("fdltun0"), index);

    ASSERT_TRUE(SetMtu(index, 1400));
    EXPECT_EQ(GetLink(index)->tx_queue_len, 500u) << "a TUN's own queue";
    ASSERT_TRUE(SetTxQueueLength(index, 4096));
    EXPECT_EQ(GetLink(index)->tx_queue_len, 4096u);
    Result<void> zero = SetTxQueueLength(index, 0);
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, Errc::kInvalidArgument);
    const Cidr v4 = MustParse("198.18.0.1/24");
    const Cidr v6 = MustParse("2001:db8::1/64");
    ASSERT_TRUE(AddAddress(index, v4));
    ASSERT_TRUE(AddAddress(index, v6));
    ASSERT_TRUE(device::SetUp(index, true));

    Result<LinkInfo> info = GetLink(index);
    ASSERT_TRUE(info) << info.error().ToString();
    EXPECT_EQ(info->name, "fdltun0");
    EXPECT_EQ(info->mtu, 1400u);
    EXPECT_TRUE(info->up());
    EXPECT_NE(info->flags & IFF_POINTOPOINT, 0u);
    Result<std::vector<Cidr>> addrs = ListAddresses(index);
    ASSERT_TRUE(addrs) << addrs.error().ToString();
    EXPECT_NE(std::find(addrs->begin(), addrs->end(), v4), addrs->end());
    EXPECT_NE(std::find(addrs->begin(), addrs->end(), v6), addrs->end());

    // IFA_F_NODAD: the IPv6 address is usable at once, not tentative.
    UniqueFd sock6(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(sock6.valid());
    sockaddr_in6 local{};
    local.sin6_family = AF_INET6;
    std::memcpy(&local.sin6_addr, v6.addr.data(), 16);
    EXPECT_EQ(::bind(sock6.get(), reinterpret_cast<const sockaddr*>(&local),
                     sizeof(local)),
              0)
        << std::strerror(errno);

    // The configuration is visible to a program run inside.
    std::string output;
    Result<int> status =
        RunCommandIn(*ns_, {"cat", "/proc/net/dev"}, &output, 5000);
    ASSERT_TRUE(status) << status.error().ToString();
    EXPECT_EQ(*status, 0);
    EXPECT_NE(output.find("fdltun0"), std::string::npos) << output;

    Result<MacAddress> mac = GetHardwareAddress(index);
    ASSERT_FALSE(mac);
    EXPECT_EQ(mac.error().code, Errc::kNotSupported);
  });
}

class TunReadTest : public TunTest,
                    public ::testing::WithParamInterface<bool> {};

TEST_P(TunReadTest, KernelDatagramArrivesOnTheFd) {
  const bool vnet_hdr = GetParam();
  RunInside(*ns_, [vnet_hdr] {
    Result<TunDevice> tun = OpenTun({.name = "fdltun1", .vnet_hdr = vnet_hdr});
    ASSERT_TRUE(tun) << tun.error().ToString();
    EXPECT_EQ(tun->vnet_hdr(), vnet_hdr);
    ASSERT_TRUE(AddAddress(tun->ifindex(), MustParse("198.18.0.1/24")));
    ASSERT_TRUE(device::SetUp(tun->ifindex(), true));
    SendUdpProbe();
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_TRUE(ReadProbe(tun->fds()[0].get(),
                          vnet_hdr ? header::kVirtioNetHeaderSize : 0))
        << "the UDP datagram did not come out of the TUN fd";
  });
}

INSTANTIATE_TEST_SUITE_P(VnetHdr, TunReadTest, ::testing::Bool());

TEST_F(TunTest, TapHasAnEthernetAddress) {
  RunInside(*ns_, [] {
    Result<TunDevice> tap = OpenTun({.name = "fdltap0", .tap = true});
    ASSERT_TRUE(tap) << tap.error().ToString();
    EXPECT_TRUE(tap->tap());
    Result<MacAddress> mac = GetHardwareAddress(tap->ifindex());
    ASSERT_TRUE(mac) << mac.error().ToString();
    EXPECT_NE(*mac, MacAddress{});
    EXPECT_EQ(mac->bytes()[0] & 0x01, 0) << "unicast";
    EXPECT_EQ(mac->bytes()[0] & 0x02, 0x02) << "random, locally administered";
  });
}

TEST_F(TunTest, KernelPicksTheName) {
  RunInside(*ns_, [] {
    Result<TunDevice> tun = OpenTun({.name = "fdl%d", .queues = 2});
    ASSERT_TRUE(tun) << tun.error().ToString();
    EXPECT_EQ(tun->name().rfind("fdl", 0), 0u) << tun->name();
    EXPECT_EQ(tun->name().find('%'), std::string::npos) << tun->name();
    EXPECT_EQ(*InterfaceIndex(tun->name()), tun->ifindex());
  });
}

TEST_F(TunTest, MultiQueueGivesDistinctNonBlockingFds) {
  RunInside(*ns_, [] {
    Result<TunDevice> tun = OpenTun({.name = "fdlmq0", .queues = 2});
    ASSERT_TRUE(tun) << tun.error().ToString();
    std::vector<int> fds = tun->borrowed_fds();
    ASSERT_EQ(fds.size(), 2u);
    EXPECT_NE(fds[0], fds[1]);
    for (int fd : fds) {
      EXPECT_GE(fd, 0);
      EXPECT_NE(::fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
      EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    }
    // A third queue may attach to the same multi-queue device...
    Result<TunDevice> more = OpenTun({.name = "fdlmq0", .queues = 2});
    ASSERT_TRUE(more) << more.error().ToString();
    EXPECT_EQ(more->ifindex(), tun->ifindex());
    // ...but a single-queue open of it is refused.
    Result<TunDevice> single = OpenTun({.name = "fdlmq0"});
    ASSERT_FALSE(single);
    EXPECT_EQ(single.error().code, Errc::kInvalidArgument);
  });
}

TEST_F(TunTest, TakeFdsTransfersOwnership) {
  RunInside(*ns_, [] {
    Result<TunDevice> tun = OpenTun({.name = "fdltake0"});
    ASSERT_TRUE(tun) << tun.error().ToString();
    std::vector<UniqueFd> fds = tun->TakeFds();
    EXPECT_EQ(fds.size(), 1u);
    EXPECT_TRUE(tun->fds().empty());
    EXPECT_TRUE(tun->borrowed_fds().empty());
    EXPECT_TRUE(InterfaceIndex("fdltake0"));
    fds.clear();  // The last descriptor: the device goes away.
    Result<int> gone = InterfaceIndex("fdltake0");
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, Errc::kNotFound);
  });
}

TEST_F(TunTest, SecondOpenOfSingleQueueDeviceIsBusy) {
  RunInside(*ns_, [] {
    Result<TunDevice> first = OpenTun({.name = "fdlbusy0"});
    ASSERT_TRUE(first) << first.error().ToString();
    Result<TunDevice> second = OpenTun({.name = "fdlbusy0"});
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::kBusy);
    EXPECT_STREQ(second.error().what,
                 "TUNSETIFF: device busy (another process holds it or its "
                 "flags differ)");
  });
}

TEST_F(TunTest, TapNameTakenByTunIsInvalid) {
  RunInside(*ns_, [] {
    Result<TunDevice> tun = OpenTun({.name = "fdlkind0"});
    ASSERT_TRUE(tun) << tun.error().ToString();
    Result<TunDevice> tap = OpenTun({.name = "fdlkind0", .tap = true});
    ASSERT_FALSE(tap);
    EXPECT_EQ(tap.error().code, Errc::kInvalidArgument);
  });
}

TEST_F(TunTest, BadOptionsAreRejected) {
  RunInside(*ns_, [] {
    Result<TunDevice> long_name = OpenTun({.name = "sixteen-chars-xx"});
    ASSERT_FALSE(long_name);
    EXPECT_EQ(long_name.error().code, Errc::kInvalidArgument);
    Result<TunDevice> no_queues = OpenTun({.name = "fdlq0", .queues = 0});
    ASSERT_FALSE(no_queues);
    EXPECT_EQ(no_queues.error().code, Errc::kInvalidArgument);
  });
}

TEST_F(TunTest, MissingCloneDeviceIsNotFound) {
  RunInside(*ns_, [] {
    Result<TunDevice> tun =
        OpenTunAt("/nonexistent/fdlink/tun", {.name = "fdlmiss0"});
    ASSERT_FALSE(tun);
    EXPECT_EQ(tun.error().code, Errc::kNotFound);
    EXPECT_STREQ(tun.error().what, "/dev/net/tun missing: modprobe tun");
  });
}

using offload::kTunFCsum;
using offload::kTunFTso4;
using offload::kTunFTso6;
using offload::kTunFUso4;
using offload::kTunFUso6;

// OffloadCase is one TunOptions::offloads mask and the set this kernel
// (6.18: it knows every bit fdlink asks for) must accept for it.
struct OffloadCase {
  const char* name;
  uint32_t mask;
  uint32_t expected;
};

constexpr OffloadCase kOffloadCases[] = {
    {"All", kTunAllOffloads,
     kTunFCsum | kTunFTso4 | kTunFTso6 | kTunFUso4 | kTunFUso6},
    {"NoUso", kTunFCsum | kTunFTso4 | kTunFTso6,
     kTunFCsum | kTunFTso4 | kTunFTso6},
    {"CsumOnly", kTunFCsum, kTunFCsum},
    {"None", 0, 0},
    // The kernel's rules: TSO/USO need CSUM, USO needs both halves.
    {"TsoWithoutCsum", kTunFTso4 | kTunFTso6 | kTunFUso4 | kTunFUso6, 0},
    {"HalfUso", kTunFCsum | kTunFTso4 | kTunFUso4, kTunFCsum | kTunFTso4},
};

// EthtoolFeature returns the "on"/"off" state `ethtool -k dev` prints for
// `feature` (e.g. "tx-tcp-segmentation"), or "" when it prints none.
std::string EthtoolFeature(const std::string& output,
                           const std::string& feature) {
  const std::string key = feature + ": ";
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.rfind(key, 0) == 0) {
      const std::string value = line.substr(key.size());
      return value.substr(0, value.find(' '));
    }
    start = end + 1;
  }
  return "";
}

// EthtoolK runs `ethtool -k dev` inside ns and returns what it printed.
std::string EthtoolK(const NetNs& ns, const std::string& dev) {
  std::string output;
  Result<int> status = RunCommandIn(ns, {"ethtool", "-k", dev}, &output, 5000);
  EXPECT_TRUE(status) << status.error().ToString();
  EXPECT_EQ(status ? *status : -1, 0) << output;
  return output;
}

class TunOffloadTest
    : public TunTest,
      public ::testing::WithParamInterface<std::tuple<OffloadCase, int>> {};

TEST_P(TunOffloadTest, NegotiatesTheLargestSetTheMaskAllows) {
  const OffloadCase c = std::get<0>(GetParam());
  const int queues = std::get<1>(GetParam());
  RunInside(*ns_, [this, c, queues] {
    Result<TunDevice> tun = OpenTun({.name = "fdloff%d",
                                     .vnet_hdr = true,
                                     .queues = queues,
                                     .offloads = c.mask});
    ASSERT_TRUE(tun) << tun.error().ToString();
    EXPECT_EQ(tun->offloads(), c.expected)
        << DescribeTunOffloads(tun->offloads());
    ASSERT_EQ(tun->fds().size(), static_cast<size_t>(queues));
    for (const UniqueFd& fd : tun->fds()) {
      Result<uint16_t> flags = sys::TunGetIff(fd.get());
      ASSERT_TRUE(flags) << flags.error().ToString();
      EXPECT_NE(*flags & IFF_VNET_HDR, 0) << "IFF_VNET_HDR did not take";
      // Every queue accepts the negotiated set again (TUNSETOFFLOAD on a
      // queue acts on the device): the queues agree.
      EXPECT_TRUE(sys::TunSetOffload(fd.get(), tun->offloads()));
    }
    // The kernel's own view, through the real ethtool program.
    const std::string k = EthtoolK(*ns_, tun->name());
    const auto on = [](bool b) { return std::string(b ? "on" : "off"); };
    EXPECT_EQ(EthtoolFeature(k, "tx-checksumming"), on(c.expected & kTunFCsum))
        << k;
    EXPECT_EQ(EthtoolFeature(k, "tx-tcp-segmentation"),
              on(c.expected & kTunFTso4))
        << k;
    EXPECT_EQ(EthtoolFeature(k, "tx-tcp6-segmentation"),
              on(c.expected & kTunFTso6))
        << k;
    EXPECT_EQ(EthtoolFeature(k, "tx-udp-segmentation"),
              on(c.expected & kTunFUso4))
        << k;
  });
}

INSTANTIATE_TEST_SUITE_P(Masks, TunOffloadTest,
                         ::testing::Combine(::testing::ValuesIn(kOffloadCases),
                                            ::testing::Values(1, 2)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) +
                                  "_" +
                                  std::to_string(std::get<1>(info.param)) +
                                  "Queues";
                         });

TEST_F(TunTest, WithoutVnetHdrNoOffloadsAreAsked) {
  RunInside(*ns_, [this] {
    Result<TunDevice> tun = OpenTun({.name = "fdlnovh0"});
    ASSERT_TRUE(tun) << tun.error().ToString();
    EXPECT_FALSE(tun->vnet_hdr());
    EXPECT_EQ(tun->offloads(), 0u);
    Result<uint16_t> flags = sys::TunGetIff(tun->fds()[0].get());
    ASSERT_TRUE(flags) << flags.error().ToString();
    EXPECT_EQ(*flags & IFF_VNET_HDR, 0);
    const std::string k = EthtoolK(*ns_, "fdlnovh0");
    EXPECT_EQ(EthtoolFeature(k, "tx-tcp-segmentation"), "off") << k;
    EXPECT_EQ(EthtoolFeature(k, "tx-udp-segmentation"), "off") << k;
  });
}

TEST_F(TunTest, LaterQueuesOfAnOffloadedDeviceGetTheSameSet) {
  RunInside(*ns_, [this] {
    Result<TunDevice> first =
        OpenTun({.name = "fdlmqo0",
                 .vnet_hdr = true,
                 .queues = 2,
                 .offloads = kTunFCsum | kTunFTso4 | kTunFTso6});
    ASSERT_TRUE(first) << first.error().ToString();
    // Two more queues attached later renegotiate the device (offloads are
    // per device): the later set is what the device and all four queues
    // have.
    Result<TunDevice> more =
        OpenTun({.name = "fdlmqo0", .vnet_hdr = true, .queues = 2});
    ASSERT_TRUE(more) << more.error().ToString();
    EXPECT_EQ(more->ifindex(), first->ifindex());
    EXPECT_EQ(more->offloads(), kTunAllOffloads);
    const std::string k = EthtoolK(*ns_, "fdlmqo0");
    EXPECT_EQ(EthtoolFeature(k, "tx-udp-segmentation"), "on") << k;
  });
}

TEST_F(TunTest, UnknownOffloadBitsAreRejected) {
  RunInside(*ns_, [] {
    Result<TunDevice> tun = OpenTun(
        {.name = "fdlbad0", .vnet_hdr = true, .offloads = 0x10 /*TUN_F_UFO*/});
    ASSERT_FALSE(tun);
    EXPECT_EQ(tun.error().code, Errc::kInvalidArgument);
    EXPECT_STREQ(tun.error().what,
                 "TunOptions.offloads has bits fdlink does not know");
    EXPECT_FALSE(InterfaceIndex("fdlbad0")) << "nothing is left behind";
  });
}

TEST(DescribeTunOffloadsTest, NamesEveryBit) {
  EXPECT_EQ(DescribeTunOffloads(0), "none");
  EXPECT_EQ(DescribeTunOffloads(kTunAllOffloads), "csum,tso4,tso6,uso4,uso6");
  EXPECT_EQ(DescribeTunOffloads(kTunFCsum | kTunFTso6), "csum,tso6");
  EXPECT_EQ(DescribeTunOffloads(kTunFCsum | 0x100), "csum,0x100");
}

// DropNetAdminForThisThread clears CAP_NET_ADMIN from the calling thread's
// effective set (capabilities are per thread; this thread ends soon).
void DropNetAdminForThisThread() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  ASSERT_EQ(::syscall(SYS_capget, &header, data), 0) << std::strerror(errno);
  data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &= ~CAP_TO_MASK(CAP_NET_ADMIN);
  ASSERT_EQ(::syscall(SYS_capset, &header, data), 0) << std::strerror(errno);
}

TEST_F(TunTest, WithoutCapNetAdminIsPermissionDenied) {
  RunInside(*ns_, [] {
    DropNetAdminForThisThread();
    if (::testing::Test::HasFatalFailure()) return;
    Result<TunDevice> tun = OpenTun({.name = "fdlperm0"});
    ASSERT_FALSE(tun);
    EXPECT_EQ(tun.error().code, Errc::kPermissionDenied);
    EXPECT_STREQ(tun.error().what, "TUNSETIFF: needs root or CAP_NET_ADMIN");
  });
}

}  // namespace
}  // namespace fdlink::device
