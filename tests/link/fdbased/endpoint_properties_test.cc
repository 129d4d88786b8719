// Properties and options of fdbased::Endpoint (gVisor's property tests plus
// option validation); the property tests run in every receive mode that
// applies to socketpairs (testing/dispatch_modes.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include "fdlink/link/fdbased/endpoint.h"
#include "testing/dispatch_modes.h"
#include "testing/endpoints.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using testing::SocketPairs;

std::unique_ptr<Endpoint> Make(Options o) {
  return testing::MustCreateEndpoint(std::move(o));
}

// EndpointProperties: Make builds the endpoint in the suite's mode and, on
// socketpairs only (`on_socketpairs`), checks the mode is in effect.
class EndpointProperties : public ::testing::TestWithParam<PacketDispatchMode> {
 protected:
  std::unique_ptr<Endpoint> Make(Options o, bool on_socketpairs = true) {
    o.dispatch_mode = GetParam();
    std::unique_ptr<Endpoint> ep = testing::MustCreateEndpoint(std::move(o));
    if (on_socketpairs) {
      EXPECT_TRUE(testing::ModeInEffect(*ep, GetParam()));
    }
    return ep;
  }
};

TEST_P(EndpointProperties, NoEthernet) {
  SocketPairs sp(1);
  Options o;
  o.fds = sp.ours();
  o.mtu = 1234;
  auto ep = Make(std::move(o));
  EXPECT_EQ(ep->MaxHeaderLength(), 0);
  EXPECT_EQ(ep->MTU(), 1234u);
  EXPECT_EQ(ep->ARPHardwareType(), ArpHardware::kNone);
  EXPECT_EQ(ep->Capabilities() & kCapabilityResolutionRequired, 0u);
}

TEST_P(EndpointProperties, Ethernet) {
  SocketPairs sp(1);
  Options o;
  o.fds = sp.ours();
  o.mtu = 1500;
  o.ethernet_header = true;
  o.address = MacAddress({0x02, 0, 0, 0, 0, 1});
  o.rx_checksum_offload = true;
  o.tx_checksum_offload = true;
  o.save_restore = true;
  auto ep = Make(std::move(o));
  EXPECT_EQ(ep->MaxHeaderLength(), 14);
  EXPECT_EQ(ep->MTU(), 1500u);
  EXPECT_EQ(ep->ARPHardwareType(), ArpHardware::kEther);
  const uint32_t want = kCapabilityResolutionRequired |
                        kCapabilityRXChecksumOffload |
                        kCapabilityTXChecksumOffload | kCapabilitySaveRestore;
  EXPECT_EQ(ep->Capabilities(), want);
}

TEST_P(EndpointProperties, Address) {
  for (const char* text :
       {"02:00:00:00:00:01", "0a:bb:cc:dd:ee:ff", "fe:ff:ff:ff:ff:ff"}) {
    SocketPairs sp(1);
    Options o;
    o.fds = sp.ours();
    o.ethernet_header = true;
    o.address = MacAddress::Parse(text).value();
    auto ep = Make(std::move(o));
    EXPECT_EQ(ep->LinkAddress().ToString(), text);
  }
}

TEST_P(EndpointProperties, SetAddressAndMtu) {
  SocketPairs sp(1);
  Options o;
  o.fds = sp.ours();
  auto ep = Make(std::move(o));
  ep->SetLinkAddress(MacAddress({2, 1, 2, 3, 4, 5}));
  EXPECT_EQ(ep->LinkAddress(), MacAddress({2, 1, 2, 3, 4, 5}));
  ep->SetMTU(200);
  EXPECT_EQ(ep->MTU(), 200u);
  ep->SetMTU(300);
  EXPECT_EQ(ep->MTU(), 300u);
}

TEST_P(EndpointProperties, ProcessorsDefaultAtLeastOne) {
  SocketPairs sp(64);
  Options o;
  o.fds = sp.ours();
  auto ep = Make(std::move(o));
  EXPECT_GE(ep->ProcessorsPerChannel(), 1u);
}

// Host GSO goes through the virtio-net header, on any fd; gVisor's
// software GSO needs sockets.
TEST_P(EndpointProperties, GsoKindFollowsVnetHeaderAndSockets) {
  SocketPairs sp(1);
  Options o;
  o.fds = sp.ours();
  o.gso_max_size = 32768;
  o.offload.vnet_header = true;
  auto ep = Make(o);
  EXPECT_EQ(ep->SupportedGSO(), GSOKind::kHostGSO);
  EXPECT_EQ(ep->GSOMaxSize(), 32768u);
  EXPECT_TRUE(ep->VnetHeader());
  o.software_gso = true;
  EXPECT_EQ(Make(o)->SupportedGSO(), GSOKind::kGVisorGSO);

  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  Options np;
  np.fds = {r.get()};
  np.gso_max_size = 32768;
  np.software_gso = true;
  auto pipe_ep = Make(np, /*on_socketpairs=*/false);
  EXPECT_EQ(pipe_ep->SupportedGSO(), GSOKind::kNone);
  EXPECT_EQ(pipe_ep->GSOMaxSize(), 0u);
  np.software_gso = false;
  np.offload.vnet_header = true;
  EXPECT_EQ(Make(np, false)->SupportedGSO(), GSOKind::kHostGSO);
}

INSTANTIATE_TEST_SUITE_P(Modes, EndpointProperties,
                         testing::ModesOf(testing::FdKind::kSocketpair),
                         testing::ModeParamName);

// What Options.offload resolves to, as the accessors report it.
struct OffloadCase {
  const char* name;
  OffloadOptions in;
  OffloadsInEffect want;
};

class EndpointOffloads : public ::testing::TestWithParam<OffloadCase> {};

TEST_P(EndpointOffloads, AccessorsReportWhatIsInEffect) {
  SocketPairs sp(1);
  Options o;
  o.fds = sp.ours();
  o.offload = GetParam().in;
  auto ep = Make(o);
  const OffloadsInEffect got = ep->Offloads();
  const OffloadsInEffect& want = GetParam().want;
  EXPECT_EQ(got.vnet_header, want.vnet_header);
  EXPECT_EQ(ep->VnetHeader(), want.vnet_header);
  EXPECT_EQ(got.kernel_offloads, want.kernel_offloads);
  EXPECT_EQ(ep->KernelOffloads(), want.kernel_offloads);
  EXPECT_EQ(got.rx_gro_tcp, want.rx_gro_tcp);
  EXPECT_EQ(got.rx_gro_udp, want.rx_gro_udp);
  EXPECT_EQ(got.tx_gso_tcp4, want.tx_gso_tcp4);
  EXPECT_EQ(got.tx_gso_tcp6, want.tx_gso_tcp6);
  EXPECT_EQ(got.tx_gso_udp, want.tx_gso_udp);
  EXPECT_EQ(got.checksum_offload, want.checksum_offload);
}

constexpr uint32_t kAllTun = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;

INSTANTIATE_TEST_SUITE_P(
    Cases, EndpointOffloads,
    ::testing::Values(
        OffloadCase{"Default", {}, {.rx_gro_tcp = true, .rx_gro_udp = true}},
        OffloadCase{
            "VnetNoKernelBits",
            {.vnet_header = true},
            {.vnet_header = true, .rx_gro_tcp = true, .rx_gro_udp = true}},
        OffloadCase{"TunAll",
                    {.vnet_header = true, .kernel_offloads = kAllTun},
                    {.vnet_header = true,
                     .kernel_offloads = kAllTun,
                     .rx_gro_tcp = true,
                     .rx_gro_udp = true,
                     .tx_gso_tcp4 = true,
                     .tx_gso_tcp6 = true,
                     .tx_gso_udp = true,
                     .checksum_offload = true}},
        OffloadCase{
            "PacketSocket",
            {.vnet_header = true, .kernel_offloads = kPacketSocketOffloads},
            {.vnet_header = true,
             .kernel_offloads = kPacketSocketOffloads,
             .rx_gro_tcp = true,
             .rx_gro_udp = true,
             .tx_gso_tcp4 = true,
             .tx_gso_tcp6 = true,
             .checksum_offload = true}},
        OffloadCase{"CsumOnly",
                    {.vnet_header = true, .kernel_offloads = 0x01},
                    {.vnet_header = true,
                     .kernel_offloads = 0x01,
                     .rx_gro_tcp = true,
                     .rx_gro_udp = true,
                     .checksum_offload = true}},
        OffloadCase{"SwitchesOff",
                    {.vnet_header = true,
                     .kernel_offloads = kAllTun,
                     .tcp_gro = false,
                     .udp_gro = false,
                     .gso = false,
                     .checksum_offload = false},
                    {.vnet_header = true, .kernel_offloads = kAllTun}}),
    [](const ::testing::TestParamInfo<OffloadCase>& i) {
      return i.param.name;
    });

TEST(EndpointModes, DispatchModeInUseSaysWhatTheLoopsUse) {
  SocketPairs sp(2);
  Options o;
  o.fds = sp.ours();
  EXPECT_EQ(Make(o)->DispatchModeInUse(), PacketDispatchMode::kReadv);
  o.dispatch_mode = PacketDispatchMode::kRecvMMsg;
  EXPECT_EQ(Make(o)->DispatchModeInUse(), PacketDispatchMode::kRecvMMsg);
  EXPECT_EQ(Make(o)->DispatchModeFallback(), "");
  o.dispatch_mode = PacketDispatchMode::kIoUring;
  EXPECT_TRUE(testing::ModeInEffect(*Make(o), PacketDispatchMode::kIoUring));
  // packet_mmap needs AF_PACKET sockets: readv, with the reason.
  o.dispatch_mode = PacketDispatchMode::kPacketMmap;
  auto mmap_ep = Make(o);
  EXPECT_EQ(mmap_ep->DispatchModeInUse(), PacketDispatchMode::kReadv);
  EXPECT_EQ(mmap_ep->DispatchModeFallback(),
            "packet_mmap: not every fd is an AF_PACKET socket");

  // recvmmsg cannot read a non-socket fd (TUN, pipe): readv is used, for
  // every fd, and the accessor says so.
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  Options np;
  np.fds = {r.get()};
  np.dispatch_mode = PacketDispatchMode::kRecvMMsg;
  EXPECT_EQ(Make(np)->DispatchModeInUse(), PacketDispatchMode::kReadv);
  EXPECT_EQ(Make(np)->DispatchModeFallback(),
            "recvmmsg: not every fd is a socket");
  np.fds = {sp.ours()[0], r.get()};
  EXPECT_EQ(Make(np)->DispatchModeInUse(), PacketDispatchMode::kReadv);
  // io_uring applies to a pipe (pollable, multishot read).
  np.fds = {r.get()};
  np.dispatch_mode = PacketDispatchMode::kIoUring;
  EXPECT_TRUE(testing::ModeInEffect(*Make(np), PacketDispatchMode::kIoUring));
}

struct BadCase {
  const char* name;
  std::function<void(Options&)> mutate;
  const char* message_part;
};

TEST(EndpointOptions, InvalidOptionsAreRejectedClearly) {
  SocketPairs sp(2);
  const BadCase cases[] = {
      {"no fds", [](Options& o) { o.fds.clear(); }, "at least one fd"},
      {"negative fd", [](Options& o) { o.fds = {-1}; }, "negative"},
      {"dup fd",
       [&](Options& o) {
         o.fds = {o.fds[0], o.fds[0]};
       },
       "twice"},
      {"mtu 0", [](Options& o) { o.mtu = 0; }, "mtu"},
      {"mtu big", [](Options& o) { o.mtu = 70000; }, "mtu"},
      {"batch 0", [](Options& o) { o.max_msgs_per_recv = 0; }, "max_msgs"},
      {"procs", [](Options& o) { o.processors_per_channel = 1000; },
       "processors"},
      {"syscall bytes", [](Options& o) { o.max_syscall_header_bytes = -1; },
       "negative"},
      {"gso", [](Options& o) { o.gso_max_size = 1 << 20; }, "gso_max_size"},
      {"sw gso", [](Options& o) { o.software_gso = true; }, "software_gso"},
      {"host gso without vnet", [](Options& o) { o.gso_max_size = 32768; },
       "gso_max_size without software_gso is host GSO and needs "
       "offload.vnet_header"},
      {"kernel bits without vnet",
       [](Options& o) { o.offload.kernel_offloads = 0x01; },
       "fdbased: Options.offload.kernel_offloads needs offload.vnet_header"},
      {"unknown kernel bits",
       [](Options& o) {
         o.offload.vnet_header = true;
         o.offload.kernel_offloads = 0x01 | 0x08;
       },
       "unknown bits"},
      {"tso without csum",
       [](Options& o) {
         o.offload.vnet_header = true;
         o.offload.kernel_offloads = 0x02;
       },
       "need TUN_F_CSUM"},
      {"uso4 alone",
       [](Options& o) {
         o.offload.vnet_header = true;
         o.offload.kernel_offloads = 0x01 | 0x20;
       },
       "USO4 and USO6 go together"},
      {"packet socket flags", [](Options& o) { o.is_packet_socket = {true}; },
       "every fd"},
      {"ethernet without a MAC", [](Options& o) { o.ethernet_header = true; },
       "set Options.address"},
      {"ethernet with a group MAC",
       [](Options& o) {
         o.ethernet_header = true;
         o.address = MacAddress::Broadcast();
       },
       "unicast"},
  };
  for (const BadCase& c : cases) {
    Options o;
    o.fds = sp.ours();
    c.mutate(o);
    auto ep = Endpoint::Create(o);
    ASSERT_FALSE(ep.has_value()) << c.name;
    EXPECT_EQ(ep.error().code, Errc::kInvalidArgument) << c.name;
    EXPECT_NE(std::string(ep.error().what).find(c.message_part),
              std::string::npos)
        << c.name << ": " << ep.error().what;
  }
}

TEST(EndpointOptions, ClosedFdIsRejected) {
  int fd;
  {
    SocketPairs sp(1);
    fd = sp.ends[0].get();
  }
  Options o;
  o.fds = {fd};
  auto ep = Endpoint::Create(o);
  ASSERT_FALSE(ep.has_value());
  EXPECT_EQ(ep.error().code, Errc::kBadFd);
}

}  // namespace
}  // namespace fdlink::fdbased
