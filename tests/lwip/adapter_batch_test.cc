// NetifAdapter's batching over a socketpair link: a receive batch counts
// exactly as the same packets one at a time, and an OutputBatch scope
// queues lwIP's output and writes all of it, in order, when it closes.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
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

// MixedInput is a receive batch of every kind the adapter tells apart:
// malformed, no flow, UDP, a new SYN (held), its retransmission and a
// ping.
std::vector<std::vector<uint8_t>> MixedInput() {
  const std::vector<uint8_t> data = testing::Pattern(32, 3);
  return {
      {0x45, 0, 0},                    // Truncated IPv4: rx_other.
      std::vector<uint8_t>(40, 0x60),  // IPv6 with a bogus length: rx_other.
      Tcp4Packet("198.18.64.1", 1, "198.18.64.7", 80, 0x10, 0),  // Unmapped.
      testing::Ipv4Udp("198.18.64.1", "198.18.64.7", 5, 53, 8),  // udp_rx.
      Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 80, 0x02, 0),  // Held.
      Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 80, 0x02, 0),  // Again.
      Echo4("198.18.64.1", "198.18.99.99", data),  // Answered.
  };
}

// Outcome is what one delivery of MixedInput left behind.
struct Outcome {
  AdapterCounters counters;
  std::vector<FlowId> held;
  size_t udp = 0;
  std::vector<std::vector<uint8_t>> written;  // What the peer read.
};

Outcome DeliverMixed(bool as_batch) {
  Outcome out;
  std::atomic<size_t> udp{0};
  std::vector<FlowId> held;  // Written under core_lock, read after it.
  PairLink link([&](NetifAdapter& a) {
    a.OnSyn([&](const FlowAddr&, const FlowAddr&, FlowId id) {
      held.push_back(id);
    });
    a.OnUdp([&](const FlowAddr&, const FlowAddr&, std::span<const uint8_t>) {
      ++udp;
    });
  });
  EXPECT_TRUE(link.adapter);
  if (!link.adapter) return out;
  std::vector<PacketBufferPtr> pkts;
  for (const std::vector<uint8_t>& b : MixedInput()) pkts.push_back(Packet(b));
  if (as_batch) {
    link.adapter->DeliverNetworkPackets(pkts);
  } else {
    for (PacketBufferPtr& p : pkts) {
      const NetworkProtocolNumber proto = p->network_protocol();
      link.adapter->DeliverNetworkPacket(proto, std::move(p));
    }
  }
  out.written = ReadAll(link.peer);
  out.counters = link.adapter->Counters();
  out.udp = udp;
  {
    CoreLockGuard g;
    out.held = held;
  }
  return out;
}

TEST(AdapterBatch, MixedReceiveBatchCountsAsOnePacketAtATime) {
  const Outcome one = DeliverMixed(false);
  const Outcome batch = DeliverMixed(true);
  for (const Outcome* o : {&one, &batch}) {
    const AdapterCounters& c = o->counters;
    EXPECT_EQ(c.rx_packets, 7u);
    EXPECT_EQ(c.rx_other, 2u);
    EXPECT_EQ(c.rx_unmapped, 1u);
    EXPECT_EQ(c.udp_rx, 1u);
    EXPECT_EQ(c.syn_held, 1u);
    EXPECT_EQ(c.syn_absorbed, 1u);
    EXPECT_EQ(c.icmp_echo_replied, 1u);
    EXPECT_EQ(c.tx_packets, 1u) << "the echo reply only";
    EXPECT_EQ(c.rx_translated, 0u);
    EXPECT_EQ(o->held.size(), 1u);
    EXPECT_EQ(o->udp, 1u);
  }
  EXPECT_EQ(one.counters.rx_batches, 0u);
  EXPECT_EQ(batch.counters.rx_batches, 1u);
  // Every other counter is the same either way.
  const AdapterCounters& a = one.counters;
  const AdapterCounters& b = batch.counters;
  for (uint64_t AdapterCounters::*f :
       {&AdapterCounters::rx_local, &AdapterCounters::rx_refused,
        &AdapterCounters::rx_no_memory, &AdapterCounters::tx_translated,
        &AdapterCounters::tx_unmapped, &AdapterCounters::tx_dropped,
        &AdapterCounters::accepted, &AdapterCounters::syn_refused,
        &AdapterCounters::rst_sent, &AdapterCounters::udp_tx,
        &AdapterCounters::udp_dropped, &AdapterCounters::tx_writes,
        &AdapterCounters::tx_batched}) {
    EXPECT_EQ(a.*f, b.*f);
  }
  EXPECT_EQ(one.written, batch.written) << "the same bytes were written";
  ASSERT_EQ(batch.written.size(), 1u);
  header::Ipv4 reply(batch.written[0]);
  EXPECT_EQ(reply.src().ToString(), "198.18.99.99");
}

TEST(AdapterBatch, ScopeQueuesWritesAndFlushesAllInOrderOnClose) {
  std::atomic<Connection*> conn{nullptr};
  PairLink link(
      [&](NetifAdapter& a) { a.OnAccept([&](Connection& c) { conn = &c; }); });
  ASSERT_TRUE(link.adapter);
  NetifAdapter& a = *link.adapter;
  const std::optional<uint32_t> first_seq = Handshake(link);
  ASSERT_TRUE(first_seq);
  ASSERT_TRUE(WaitUntil([&] { return conn.load() != nullptr; }));

  const std::vector<uint8_t> data = testing::Pattern(6000, 9);
  const AdapterCounters before = a.Counters();
  const uint64_t ep_before = link.ep->TotalCounters().tx_packets;
  {
    CoreLockGuard g;
    NetifAdapter::OutputBatch batch(a);
    {
      NetifAdapter::OutputBatch inner(a);  // Nested: only the outer flushes.
      for (size_t off = 0; off < data.size(); off += 2000) {
        Result<size_t> n =
            conn.load()->Write(std::span(data).subspan(off, 2000));
        ASSERT_TRUE(n);
        ASSERT_EQ(*n, 2000u);
      }
    }
    EXPECT_EQ(link.ep->TotalCounters().tx_packets, ep_before)
        << "nothing is written while the scope is open";
  }
  const AdapterCounters after = a.Counters();
  const uint64_t queued = after.tx_batched - before.tx_batched;
  EXPECT_GE(queued, 2u) << "lwIP sent at least two segments";
  EXPECT_EQ(after.tx_writes - before.tx_writes, 1u) << "one WritePackets";
  EXPECT_EQ(after.tx_packets - before.tx_packets, queued);
  EXPECT_EQ(after.tx_dropped, before.tx_dropped);
  EXPECT_EQ(link.ep->TotalCounters().tx_packets - ep_before, queued)
      << "no packet is left pending once the scope has closed";

  // The peer got the segments in order: consecutive sequence numbers
  // carrying a prefix of the data.
  const std::vector<std::vector<uint8_t>> got = ReadAll(link.peer);
  ASSERT_EQ(got.size(), queued);
  std::vector<uint8_t> stream;
  uint32_t seq = *first_seq;
  for (const std::vector<uint8_t>& pkt : got) {
    header::Ipv4 ip(pkt);
    ASSERT_TRUE(ip.IsChecksumValid());
    EXPECT_TRUE(header::VerifyTcpChecksum(ip.src(), ip.dst(), ip.payload()));
    header::Tcp t(ip.payload());
    EXPECT_EQ(t.seq(), seq);
    std::span<const uint8_t> payload = ip.payload().subspan(t.data_offset());
    seq += static_cast<uint32_t>(payload.size());
    stream.insert(stream.end(), payload.begin(), payload.end());
  }
  ASSERT_GE(stream.size(), 2000u);
  EXPECT_TRUE(std::equal(stream.begin(), stream.end(), data.begin()))
      << "the bytes are the data's, in order";
}

TEST(AdapterBatch, OneAckPerReceiveBatchAndTheBatchEndRunsAfterIt) {
  std::atomic<Connection*> conn{nullptr};
  std::atomic<bool> armed{false};
  std::atomic<int> ends{0};
  std::atomic<uint64_t> written_at_end{0};
  std::vector<uint8_t> got;  // Under core_lock.
  PairLink link([&](NetifAdapter& a) {
    a.OnAccept([&](Connection& c) {
      conn = &c;
      core_lock.AssertHeld();  // lwIP's callbacks run under it.
      c.OnRecv([&](Connection& cc, std::span<const uint8_t> d) {
        core_lock.AssertHeld();
        got.insert(got.end(), d.begin(), d.end());
        cc.Consumed(d.size());  // At once, as the relay does.
      });
    });
  });
  ASSERT_TRUE(link.adapter);
  NetifAdapter& a = *link.adapter;
  a.OnBatchEnd([&] {
    core_lock.AssertHeld();
    if (!armed.load()) return;
    ++ends;
    written_at_end = link.ep->TotalCounters().tx_packets;
    const std::vector<uint8_t> reply = testing::Pattern(100, 5);
    (void)conn.load()->Write(reply);  // Batched, written after the hook.
  });
  const std::optional<uint32_t> ack = Handshake(link);
  ASSERT_TRUE(ack);
  ASSERT_TRUE(WaitUntil([&] { return conn.load() != nullptr; }));

  // Six 1000-byte segments in one receive batch: lwIP acknowledges every
  // second one (and Consumed adds window updates); one ACK is written.
  const std::vector<uint8_t> data = testing::Pattern(6000, 4);
  std::vector<PacketBufferPtr> pkts;
  for (size_t off = 0; off < data.size(); off += 1000) {
    pkts.push_back(
        Packet(DataSeg(off, std::span(data).subspan(off, 1000), *ack)));
  }
  const AdapterCounters before = a.Counters();
  const uint64_t ep_before = link.ep->TotalCounters().tx_packets;
  armed = true;
  a.DeliverNetworkPackets(pkts);
  armed = false;
  const AdapterCounters after = a.Counters();
  EXPECT_EQ(ends.load(), 1) << "the batch end ran once, for the batch";
  EXPECT_EQ(written_at_end.load() - ep_before, 1u)
      << "the batch's output (one ACK) was written before the batch end ran";
  EXPECT_GE(after.tx_acks_coalesced - before.tx_acks_coalesced, 2u);
  {
    CoreLockGuard g;
    EXPECT_EQ(got, data);
  }
  const std::vector<std::vector<uint8_t>> out = ReadAll(link.peer);
  ASSERT_EQ(out.size(), 2u) << "the ACK, then the batch end's reply";
  header::Tcp first(header::Ipv4(out[0]).payload());
  EXPECT_EQ(first.flags(), 0x10) << "a pure ACK";
  EXPECT_EQ(first.ack(), static_cast<uint32_t>(0xdeadbeef + 1 + 6000))
      << "acknowledging the whole batch";
  header::Tcp second(header::Ipv4(out[1]).payload());
  EXPECT_EQ(header::Ipv4(out[1]).payload().size() - second.data_offset(), 100u);
}

TEST(AdapterBatch, AdmitFlowWritesTheSynAckThroughABatch) {
  std::atomic<FlowId> id{0};
  PairLink link([&](NetifAdapter& a) {
    a.OnSyn([&](const FlowAddr&, const FlowAddr&, FlowId f) { id = f; });
  });
  ASSERT_TRUE(link.adapter);
  ASSERT_TRUE(
      sys::Write(link.peer.get(),
                 Tcp4Packet("198.18.64.1", 40000, "198.18.64.7", 80, 0x02, 0)));
  ASSERT_TRUE(WaitUntil([&] { return id.load() != 0; }));
  ASSERT_TRUE(link.adapter->AdmitFlow(id));
  const AdapterCounters c = link.adapter->Counters();
  EXPECT_EQ(c.tx_batched, 1u) << "the SYN-ACK went through the batch";
  EXPECT_EQ(c.tx_packets, 1u) << "and was written before AdmitFlow returned";
  const std::vector<std::vector<uint8_t>> got = ReadAll(link.peer);
  ASSERT_EQ(got.size(), 1u);
  std::optional<ParsedFlow> f = ParseFlow(got[0]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tcp_flags, 0x12) << "SYN|ACK";
  EXPECT_EQ(f->key.src.ToString(), "198.18.64.7:80");
}

}  // namespace
}  // namespace fdlink::lwip
