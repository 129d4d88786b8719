// MarkSupersededAcks: which pure ACKs of an output batch a later segment of
// the same flow makes redundant, and which it must keep.
#include "lwip/ack_coalesce.h"

#include <gtest/gtest.h>

#include <vector>

#include "fdlink/header/tcp.h"
#include "lwip/lwip_test_packets.h"

namespace fdlink::lwip {
namespace {

constexpr uint8_t kAck = 0x10;

// Seg is a TCP segment from 198.18.64.7:8080 to 198.18.64.1:`dport` with
// the given flags, ack number, window and payload size.
std::vector<uint8_t> Seg(uint32_t ack, uint16_t window, uint8_t flags = kAck,
                         size_t payload = 0, uint16_t dport = 40000) {
  std::vector<uint8_t> b =
      Tcp4Packet("198.18.64.7", 8080, "198.18.64.1", dport, flags, payload);
  header::MutableTcp t(std::span<uint8_t>(b).subspan(20));
  t.SetAck(ack);
  t.SetWindow(window);
  return b;
}

std::vector<bool> Marks(const std::vector<std::vector<uint8_t>>& pkts,
                        size_t* count = nullptr) {
  std::vector<std::span<const uint8_t>> ips;
  for (const auto& p : pkts) ips.emplace_back(p);
  std::unique_ptr<bool[]> drop(new bool[pkts.size()]());
  const size_t n =
      MarkSupersededAcks(ips, std::span<bool>(drop.get(), pkts.size()));
  if (count != nullptr) *count = n;
  return std::vector<bool>(drop.get(), drop.get() + pkts.size());
}

TEST(AckCoalesce, KeepsOnlyTheLastOfRisingAcks) {
  size_t n = 0;
  EXPECT_EQ(Marks({Seg(1000, 100), Seg(3920, 100), Seg(6840, 100)}, &n),
            (std::vector<bool>{true, true, false}));
  EXPECT_EQ(n, 2u);
}

TEST(AckCoalesce, AWindowUpdateSupersedesTheSameAck) {
  EXPECT_EQ(Marks({Seg(1000, 100), Seg(1000, 30000)}),
            (std::vector<bool>{true, false}));
  // A smaller window for the same ack says less: both stay.
  EXPECT_EQ(Marks({Seg(1000, 30000), Seg(1000, 100)}),
            (std::vector<bool>{false, false}));
}

TEST(AckCoalesce, KeepsDuplicateAcks) {
  EXPECT_EQ(Marks({Seg(1000, 100), Seg(1000, 100), Seg(1000, 100)}),
            (std::vector<bool>{false, false, false}));
}

TEST(AckCoalesce, ADataSegmentSupersedesAnEarlierPureAck) {
  // The data segment acknowledges more; the data itself is never dropped,
  // and the ACK after it (acknowledging more again) drops nothing before
  // it but pure ACKs.
  EXPECT_EQ(Marks({Seg(1000, 100), Seg(2000, 100, kAck | 0x08, 1400),
                   Seg(3000, 100)}),
            (std::vector<bool>{true, false, false}));
}

TEST(AckCoalesce, KeepsFlagsOptionsAndOtherFlows) {
  // FIN|ACK, RST|ACK and SYN|ACK are not pure ACKs.
  EXPECT_EQ(Marks({Seg(1000, 100, kAck | 0x01), Seg(5000, 100)}),
            (std::vector<bool>{false, false}));
  EXPECT_EQ(Marks({Seg(1000, 100, kAck | 0x04), Seg(5000, 100)}),
            (std::vector<bool>{false, false}));
  // Another flow (destination port) supersedes nothing.
  EXPECT_EQ(Marks({Seg(1000, 100), Seg(5000, 100, kAck, 0, 40001)}),
            (std::vector<bool>{false, false}));
  // An ACK with options (a SACK block, say) is kept.
  std::vector<uint8_t> opt =
      Tcp4Packet("198.18.64.7", 8080, "198.18.64.1", 40000, kAck, 4);
  opt[32] = 0x60;  // Data offset 24: the 4 bytes become options.
  header::MutableTcp(std::span<uint8_t>(opt).subspan(20)).SetAck(1000);
  EXPECT_EQ(Marks({opt, Seg(5000, 100)}), (std::vector<bool>{false, false}));
  // A later segment without the ACK flag supersedes nothing.
  EXPECT_EQ(Marks({Seg(1000, 100), Seg(5000, 100, 0x04)}),
            (std::vector<bool>{false, false}));
}

TEST(AckCoalesce, ComparesAcksAcrossTheWrap) {
  EXPECT_EQ(Marks({Seg(0xfffffff0u, 100), Seg(0x10, 100)}),
            (std::vector<bool>{true, false}));
  EXPECT_EQ(Marks({Seg(0x10, 100), Seg(0xfffffff0u, 100)}),
            (std::vector<bool>{false, false}));
}

TEST(AckCoalesce, IgnoresWhatIsNotTcp) {
  std::vector<uint8_t> junk(10, 0x45);
  std::vector<uint8_t> echo = Echo4("198.18.64.7", "198.18.64.1", {});
  EXPECT_EQ(Marks({junk, echo, Seg(1000, 100)}),
            (std::vector<bool>{false, false, false}));
}

}  // namespace
}  // namespace fdlink::lwip
