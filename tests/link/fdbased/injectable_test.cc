// InjectableEndpoint: injection, outbound writes and its detach contract.
#include "fdlink/link/fdbased/injectable.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "testing/dispatcher.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"

namespace fdlink::fdbased {
namespace {

using namespace std::chrono_literals;

PacketBufferPtr Packet() {
  std::vector<uint8_t> ip =
      testing::Ipv4Udp("198.18.0.1", "198.18.0.2", 1, 2, 10);
  return PacketBuffer::FromView(View::CopyOf(ip));
}

TEST(Injectable, InjectsOnlyWhenAttached) {
  testing::SocketPairs sp(1);
  auto ep = std::move(InjectableEndpoint::Create(sp.ends[0].get(), 1500,
                                                 kCapabilityRXChecksumOffload))
                .value();
  EXPECT_EQ(ep->Capabilities(), kCapabilityRXChecksumOffload);
  EXPECT_FALSE(ep->InjectInbound(kIPv4ProtocolNumber, Packet()));
  testing::RecordingDispatcher d;
  ep->Attach(&d);
  EXPECT_TRUE(ep->InjectInbound(kIPv4ProtocolNumber, Packet()));
  EXPECT_EQ(d.Count(), 1u);
  ep->Attach(nullptr);
  EXPECT_FALSE(ep->InjectInbound(kIPv4ProtocolNumber, Packet()));
}

TEST(Injectable, OutboundGoesToTheFd) {
  testing::SocketPairs sp(1);
  auto ep =
      std::move(InjectableEndpoint::Create(sp.ends[0].get(), 1500, 0)).value();
  std::vector<uint8_t> raw = testing::Pattern(33);
  ASSERT_EQ(*ep->InjectOutbound(raw), 33u);
  EXPECT_EQ(testing::RecvOne(sp.peers[0].get()), raw);
  PacketBufferPtr p = Packet();
  const std::vector<uint8_t> want = p->ToBytes();
  ASSERT_EQ(*ep->WritePackets(std::span(&p, 1)), 1u);
  EXPECT_EQ(testing::RecvOne(sp.peers[0].get()), want);
}

TEST(Injectable, DetachWaitsForInjectionInProgress) {
  testing::SocketPairs sp(1);
  auto ep =
      std::move(InjectableEndpoint::Create(sp.ends[0].get(), 1500, 0)).value();
  auto d = std::make_unique<testing::RecordingDispatcher>();
  std::atomic<bool> inside{false}, finished{false};
  d->hook = [&](NetworkProtocolNumber, PacketBuffer&) {
    inside = true;
    std::this_thread::sleep_for(100ms);
    finished = true;
  };
  ep->Attach(d.get());
  std::thread injector(
      [&] { (void)ep->InjectInbound(kIPv4ProtocolNumber, Packet()); });
  while (!inside) std::this_thread::sleep_for(1ms);
  ep->Attach(nullptr);
  EXPECT_TRUE(finished);
  d.reset();
  injector.join();
}

TEST(Injectable, DetachFromInsideInjectionDoesNotDeadlock) {
  testing::SocketPairs sp(1);
  auto ep =
      std::move(InjectableEndpoint::Create(sp.ends[0].get(), 1500, 0)).value();
  testing::RecordingDispatcher d;
  d.hook = [&](NetworkProtocolNumber, PacketBuffer&) { ep->Attach(nullptr); };
  ep->Attach(&d);
  EXPECT_TRUE(ep->InjectInbound(kIPv4ProtocolNumber, Packet()));
  EXPECT_FALSE(ep->IsAttached());
}

}  // namespace
}  // namespace fdlink::fdbased
