// The sniffer wrapper: what it records is what tcpdump and tshark read back,
// with the right link type, snap length and filter; with capture off it only
// forwards; detach keeps the lower endpoint's guarantee.
#include "fdlink/link/sniffer/sniffer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "fdlink/link/fdbased/endpoint.h"
#include "testing/dispatcher.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::sniffer {
namespace {

using testing::SocketPairs;

const MacAddress kOurs({0x02, 0x03, 0x03, 0x04, 0x05, 0x06});
const MacAddress kPeer({0x02, 0x03, 0x03, 0x04, 0x05, 0x07});

// Output returns what `cmd` printed on stdout; the test fails if it exits
// non-zero.
std::string Output(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) {
    ADD_FAILURE() << "popen " << cmd;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << cmd;
  return out;
}

CaptureOptions Filter(const std::string& f) {
  CaptureOptions o;
  o.filter = f;
  return o;
}

CaptureOptions Snap(uint32_t n) {
  CaptureOptions o;
  o.snap_length = n;
  return o;
}

size_t Lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class SnifferTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    eth_ = GetParam();
    fdbased::Options o;
    o.fds = sp_.ours();
    o.ethernet_header = eth_;
    o.address = kOurs;
    o.processors_per_channel = 1;
    lower_ = testing::MustCreateEndpoint(std::move(o));
    sniffer_ = std::make_unique<Endpoint>(lower_.get());
    char tmpl[] = "/tmp/fdlink_sniffer_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/cap.pcap";
  }
  void TearDown() override {
    sniffer_->Attach(nullptr);
    sniffer_.reset();
    lower_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Frame is a UDP packet from the peer to us, framed as the link is.
  std::vector<uint8_t> Frame(uint16_t dport, size_t payload) {
    std::vector<uint8_t> ip =
        testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 40000, dport, payload);
    return eth_ ? testing::EthernetFrame(kOurs, kPeer, 0x0800, ip) : ip;
  }
  // Outbound is a packet from us to the peer, link header added.
  PacketBufferPtr Outbound(uint16_t dport, size_t payload) {
    std::vector<uint8_t> ip =
        testing::Ipv4Udp("198.18.0.2", "198.18.0.1", 7, dport, payload);
    PacketBufferPtr p = PacketBuffer::Create(
        {.reserve_header_bytes = sniffer_->MaxHeaderLength(), .payload = ip});
    p->set_network_protocol(kIPv4ProtocolNumber);
    p->set_egress_route(
        {.local_link_address = MacAddress(), .remote_link_address = kPeer});
    EXPECT_TRUE(sniffer_->AddHeader(*p).has_value());
    return p;
  }
  // Exchange sends `in` frames from the peer (dport 7, then 9, ...) and
  // writes `out` packets through the sniffer.
  void Exchange(testing::RecordingDispatcher& d, size_t in, size_t out) {
    for (size_t i = 0; i < in; ++i) {
      testing::Send(sp_.peers[0].get(),
                    Frame(static_cast<uint16_t>(i % 2 == 0 ? 7 : 9), 100 + i));
    }
    ASSERT_TRUE(d.WaitForCount(in));
    std::vector<PacketBufferPtr> pkts;
    for (size_t i = 0; i < out; ++i) pkts.push_back(Outbound(5000, 200));
    Result<size_t> n = sniffer_->WritePackets(pkts);
    ASSERT_TRUE(n.has_value());
    ASSERT_EQ(*n, out);
    for (size_t i = 0; i < out; ++i) {
      EXPECT_FALSE(testing::RecvOne(sp_.peers[0].get()).empty());
    }
  }

  bool eth_ = false;
  SocketPairs sp_{1, SOCK_DGRAM};
  std::unique_ptr<fdbased::Endpoint> lower_;
  std::unique_ptr<Endpoint> sniffer_;
  std::string dir_;
  std::string path_;
};

TEST_P(SnifferTest, TcpdumpAndTsharkReadEveryPacketBothWays) {
  testing::RecordingDispatcher d;
  sniffer_->Attach(&d);
  ASSERT_TRUE(sniffer_->StartCapture(path_).has_value());
  EXPECT_TRUE(sniffer_->Capturing());
  Exchange(d, 3, 2);
  const CaptureStats st = sniffer_->StopCapture();
  EXPECT_FALSE(sniffer_->Capturing());
  EXPECT_EQ(st.seen, 5u);
  EXPECT_EQ(st.written, 5u);
  EXPECT_EQ(st.write_errors, 0u);

  const std::string td = Output("tcpdump -nn -r " + path_);
  EXPECT_EQ(Lines(td), 5u) << td;
  EXPECT_NE(td.find("198.18.0.1.40000 > 198.18.0.2.7: UDP, length 100"),
            std::string::npos)
      << td;
  EXPECT_NE(td.find("198.18.0.2.7 > 198.18.0.1.5000: UDP, length 200"),
            std::string::npos)
      << td;
  const std::string ts =
      Output("tshark -r " + path_ + " -T fields -e frame.protocols -e ip.src");
  EXPECT_EQ(Lines(ts), 5u) << ts;
  // Port 7 is echo to tshark: it dissects the UDP payload too.
  const std::string proto = eth_ ? "eth:ethertype:ip:udp:" : "raw:ip:udp:";
  EXPECT_NE(ts.find(proto + "echo\t198.18.0.1"), std::string::npos) << ts;
  EXPECT_NE(ts.find(proto + "echo\t198.18.0.2"), std::string::npos) << ts;
}

TEST_P(SnifferTest, FilterKeepsOnlyWhatMatches) {
  testing::RecordingDispatcher d;
  sniffer_->Attach(&d);
  ASSERT_TRUE(
      sniffer_->StartCapture(path_, Filter("udp dst port 7")).has_value());
  Exchange(d, 4, 1);  // Two to port 7, two to port 9, one to port 5000.
  const CaptureStats st = sniffer_->StopCapture();
  EXPECT_EQ(st.seen, 5u);
  EXPECT_EQ(st.written, 2u);
  EXPECT_EQ(st.filtered, 3u);
  EXPECT_EQ(d.Count(), 4u);  // The filter never drops traffic.
  const std::string td = Output("tcpdump -nn -r " + path_);
  EXPECT_EQ(Lines(td), 2u) << td;
  EXPECT_EQ(td.find(".9: UDP"), std::string::npos) << td;
}

TEST_P(SnifferTest, SnapLengthCutsRecordsButKeepsTheirLength) {
  testing::RecordingDispatcher d;
  sniffer_->Attach(&d);
  ASSERT_TRUE(sniffer_->StartCapture(path_, Snap(40)).has_value());
  Exchange(d, 1, 1);
  (void)sniffer_->StopCapture();
  const std::string ts =
      Output("tshark -r " + path_ + " -T fields -e frame.cap_len -e frame.len");
  const size_t link = eth_ ? 14 : 0;
  EXPECT_NE(ts.find("40\t" + std::to_string(link + 28 + 100)),
            std::string::npos)
      << ts;
  EXPECT_NE(ts.find("40\t" + std::to_string(link + 28 + 200)),
            std::string::npos)
      << ts;
}

TEST_P(SnifferTest, BadFilterIsRefusedAndTheCaptureInProgressGoesOn) {
  testing::RecordingDispatcher d;
  sniffer_->Attach(&d);
  ASSERT_TRUE(sniffer_->StartCapture(path_).has_value());
  std::string reason;
  Result<void> bad =
      sniffer_->StartCapture(dir_ + "/other.pcap", Filter("udp port"), &reason);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(reason.empty());
  Result<void> snap =
      sniffer_->StartCapture(dir_ + "/other.pcap", Snap(0), &reason);
  ASSERT_FALSE(snap.has_value());
  EXPECT_EQ(snap.error().code, Errc::kInvalidArgument);
  Result<void> dir =
      sniffer_->StartCapture(dir_ + "/no/such/dir.pcap", {}, &reason);
  ASSERT_FALSE(dir.has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/other.pcap"));
  EXPECT_TRUE(sniffer_->Capturing());
  Exchange(d, 1, 0);
  EXPECT_EQ(sniffer_->StopCapture().written, 1u);
}

TEST_P(SnifferTest, CaptureOffOnlyForwardsAndDetachStopsDelivery) {
  testing::RecordingDispatcher d;
  sniffer_->Attach(&d);
  EXPECT_TRUE(sniffer_->IsAttached());
  Exchange(d, 2, 1);
  EXPECT_FALSE(sniffer_->Capturing());
  EXPECT_EQ(sniffer_->Stats().seen, 0u);
  EXPECT_EQ(sniffer_->StopCapture().seen, 0u);
  sniffer_->Attach(nullptr);
  EXPECT_FALSE(sniffer_->IsAttached());
  testing::Send(sp_.peers[0].get(), Frame(7, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(d.Count(), 2u);
  // Re-attached, delivery resumes (the queued frame included).
  sniffer_->Attach(&d);
  EXPECT_TRUE(d.WaitForCount(3));
}

TEST_P(SnifferTest, CaptureToAnFdThatTcpdumpReadsFromAPipe) {
  testing::RecordingDispatcher d;
  sniffer_->Attach(&d);
  FILE* reader = ::popen(
      ("tcpdump -nn -r - > " + path_ + ".txt 2>/dev/null").c_str(), "w");
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(sniffer_->StartCaptureFd(::fileno(reader)).has_value());
  Exchange(d, 2, 2);
  EXPECT_EQ(sniffer_->StopCapture().written, 4u);
  ASSERT_EQ(::pclose(reader), 0);
  EXPECT_EQ(Lines(Output("cat " + path_ + ".txt")), 4u);
}

INSTANTIATE_TEST_SUITE_P(Links, SnifferTest, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "ethernet" : "raw_ip";
                         });

}  // namespace
}  // namespace fdlink::sniffer
