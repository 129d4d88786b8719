// NetifAdapter's receive_window over a socketpair link: a client that
// offers window scaling may send as many bytes as receive_window says
// before the user consumes any (lwIP's own 65,535 without it, or without
// window scaling), the window announced says so, and Close still ends the
// connection with a FIN when every byte was consumed and with a reset when
// some were not, as lwIP's own close does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/header/ipv4.h"
#include "fdlink/header/tcp.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/sys/syscalls.h"
#include "lwip/lwip_test_packets.h"
#include "lwip/pair_link_flow.h"
#include "lwip/tun_adapter_fixture.h"
#include "testing/packets.h"

namespace fdlink::lwip {
namespace {

constexpr size_t kSegment = 1000;
constexpr size_t kSent = 100 * kSegment;  // Between 65,535 and 131,070.

// Held is a PairLink whose connection keeps what it receives unconsumed
// until the test consumes it.
struct Held {
  explicit Held(const AdapterConfig& config)
      : link(
            [this](NetifAdapter& a) {
              a.OnAccept([this](Connection& c) {
                core_lock.AssertHeld();  // lwIP's callbacks run under it.
                c.OnRecv([this](Connection&, std::span<const uint8_t> d) {
                  received += d.size();
                });
                conn = &c;
              });
            },
            config) {}

  // Start completes the handshake (offering window scaling or not) and
  // waits for the accept; the ACK number to send with is in `ack`.
  bool Start(bool window_scale) {
    std::optional<uint32_t> a = Handshake(link, window_scale);
    if (!a) return false;
    ack = *a;
    return WaitUntil([&] { return conn.load() != nullptr; });
  }
  // SendAll sends kSent bytes in kSegment-byte segments, whatever the
  // window, and returns what lwIP answered once it goes quiet.
  std::vector<std::vector<uint8_t>> SendAll() {
    const std::vector<uint8_t> data = testing::Pattern(kSent, 5);
    for (size_t off = 0; off < kSent; off += kSegment) {
      const std::span<const uint8_t> seg =
          std::span(data).subspan(off, kSegment);
      if (!sys::Write(link.peer.get(), DataSeg(off, seg, ack))) break;
    }
    return ReadAll(link.peer);
  }

  std::atomic<size_t> received{0};
  std::atomic<Connection*> conn{nullptr};
  uint32_t ack = 0;
  PairLink link;
};

AdapterConfig Raised() {
  AdapterConfig c = Config();
  c.receive_window = kMaxReceiveWindow;
  return c;
}

// LastWindow is the window the last of `out` announces, in bytes (its
// field shifted by lwIP's scale of 1).
uint32_t LastWindow(const std::vector<std::vector<uint8_t>>& out) {
  if (out.empty()) return 0;
  const header::Tcp t(header::Ipv4(out.back()).payload());
  return uint32_t{t.window()} << 1;
}

// Flags ORs the TCP flags of every packet in `out`.
uint8_t Flags(const std::vector<std::vector<uint8_t>>& out) {
  uint8_t f = 0;
  for (const std::vector<uint8_t>& p : out) {
    f |= header::Tcp(header::Ipv4(p).payload()).flags();
  }
  return f;
}

constexpr uint8_t kFin = 0x01;
constexpr uint8_t kRst = 0x04;

TEST(AdapterReceiveWindow, WithoutItTheClientMaySendLwipsOwn65535Bytes) {
  Held h(Config());
  ASSERT_TRUE(h.link.adapter);
  ASSERT_TRUE(h.Start(/*window_scale=*/true));
  (void)h.SendAll();
  EXPECT_EQ(h.received.load(), 65535u);
}

TEST(AdapterReceiveWindow, ARaisedWindowTakesItAllAndAnnouncesIt) {
  Held h(Raised());
  ASSERT_TRUE(h.link.adapter);
  ASSERT_TRUE(h.Start(/*window_scale=*/true));
  const std::vector<std::vector<uint8_t>> out = h.SendAll();
  EXPECT_EQ(h.received.load(), kSent) << "every byte within the window";
  EXPECT_EQ(LastWindow(out), kMaxReceiveWindow - kSent) << "what is left";
  {
    CoreLockGuard g;
    h.conn.load()->Consumed(kSent);
  }
  EXPECT_EQ(LastWindow(ReadAll(h.link.peer)), kMaxReceiveWindow)
      << "consuming sends the reopened window at once";
}

TEST(AdapterReceiveWindow, AClientWithoutWindowScalingKeeps65535) {
  Held h(Raised());
  ASSERT_TRUE(h.link.adapter);
  ASSERT_TRUE(h.Start(/*window_scale=*/false));
  (void)h.SendAll();
  EXPECT_EQ(h.received.load(), 65535u);
}

// CloseAfterConsuming fills a raised window with kSent bytes, consumes
// `n` of them, closes, and returns the flags of what lwIP sent then (0 if
// the fill failed).
uint8_t CloseAfterConsuming(size_t n) {
  Held h(Raised());
  if (!h.link.adapter || !h.Start(/*window_scale=*/true)) return 0;
  (void)h.SendAll();
  if (h.received.load() != kSent) return 0;
  {
    CoreLockGuard g;
    h.conn.load()->Consumed(n);
    h.conn.load()->Close();
  }
  return Flags(ReadAll(h.link.peer));
}

TEST(AdapterReceiveWindow, CloseWithEveryByteConsumedSendsAFin) {
  const uint8_t f = CloseAfterConsuming(kSent);
  EXPECT_TRUE(f & kFin) << "flags " << int{f};
  EXPECT_FALSE(f & kRst) << "flags " << int{f};
}

TEST(AdapterReceiveWindow, CloseWithBytesUnconsumedResets) {
  // The window is back at lwIP's 65,535 exactly, with bytes unconsumed:
  // what lwIP's close would read as "all consumed".
  const uint8_t f = CloseAfterConsuming(65535 - (kMaxReceiveWindow - kSent));
  EXPECT_TRUE(f & kRst) << "flags " << int{f};
}

TEST(AdapterReceiveWindow, OutOfRangeIsRefused) {
  PairEndpoint pair;
  ASSERT_TRUE(pair.ep);
  for (const uint32_t bad : {1u, 65534u, kMaxReceiveWindow + 1}) {
    AdapterConfig config = Config();
    config.receive_window = bad;
    Result<std::unique_ptr<NetifAdapter>> r =
        NetifAdapter::Create(pair.ep.get(), config);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_THAT(r.error().ToString(), ::testing::HasSubstr("receive_window"));
  }
}

}  // namespace
}  // namespace fdlink::lwip
