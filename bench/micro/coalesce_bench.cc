// Coalescer: the per-packet cost of GRO on a read batch (Plan, then
// BuildMerged for every group and the super-packets released), for one
// long TCP run, interleaved TCP flows, and a batch where nothing merges.
// allocs_per_iter should be 0 once the pools are warm.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/tcp.h"
#include "fdlink/offload/coalesce.h"
#include "micro/bench_support.h"

namespace fdlink::bench {
namespace {

constexpr size_t kBatch = 64;
constexpr size_t kPayload = 1400;

// TcpSegment is an IPv4/TCP ACK segment of `flow` (source 198.18.0.1,
// port 40000 + flow) at `seq` with kPayload bytes, checksums filled in.
std::vector<uint8_t> TcpSegment(uint16_t flow, uint32_t seq) {
  std::vector<uint8_t> b = Pattern(40 + kPayload);
  header::MutableIpv4 ip(b);
  ip.SetVersion(4);
  ip.SetHeaderLength(20);
  ip.SetTos(0);
  ip.SetTotalLength(static_cast<uint16_t>(b.size()));
  ip.SetId(static_cast<uint16_t>(seq));
  ip.SetFlags(header::kIpv4FlagDontFragment);
  ip.SetFragmentOffset(0);
  ip.SetTtl(64);
  ip.SetProtocol(header::ip_proto::kTcp);
  ip.SetSrc(
      header::Ipv4Address::FromBytes(std::array<uint8_t, 4>{198, 18, 0, 1}));
  ip.SetDst(
      header::Ipv4Address::FromBytes(std::array<uint8_t, 4>{198, 18, 0, 2}));
  ip.UpdateChecksum();
  std::span<uint8_t> seg = std::span(b).subspan(20);
  header::MutableTcp t(seg);
  t.SetSrcPort(static_cast<uint16_t>(40000 + flow));
  t.SetDstPort(5001);
  t.SetSeq(seq);
  t.SetAck(1);
  t.SetDataOffset(20);
  t.SetFlags(header::tcp_flag::kAck);
  t.SetWindow(65535);
  t.SetChecksum(0);
  t.SetUrgentPointer(0);
  t.SetChecksum(header::TcpChecksum(ip.src(), ip.dst(), seg));
  return b;
}

// Batch builds kBatch received packets, `flows` TCP flows round-robin.
std::vector<PacketBufferPtr> Batch(uint16_t flows) {
  std::vector<PacketBufferPtr> pkts;
  for (size_t i = 0; i < kBatch; ++i) {
    const uint16_t f = static_cast<uint16_t>(i % flows);
    const uint32_t seq = static_cast<uint32_t>(i / flows * kPayload);
    pkts.push_back(PacketBuffer::Create({.payload = TcpSegment(f, seq)}));
  }
  return pkts;
}

// RunGro plans and builds one batch per iteration; items are packets.
void RunGro(benchmark::State& state, uint16_t flows, bool verify,
            size_t want_groups) {
  std::vector<PacketBufferPtr> pkts = Batch(flows);
  offload::Coalescer co(offload::CoalesceConfig{.verify_checksums = verify});
  std::vector<PacketBufferPtr> out;
  out.reserve(kBatch);
  auto once = [&] {
    for (const offload::CoalesceGroup& g : co.Plan(pkts)) {
      Result<PacketBufferPtr> m = offload::BuildMerged(pkts, co, g, 64);
      if (!m) std::abort();
      out.push_back(std::move(*m));
    }
    const size_t groups = out.size();
    out.clear();
    return groups;
  };
  for (int i = 0; i < 16; ++i) {
    if (once() != want_groups) std::abort();  // Warm, and check the plan.
  }
  const AllocMeter meter;
  for (auto _ : state) benchmark::DoNotOptimize(once());
  meter.Report(state);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kBatch));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(kBatch * kPayload));
}

void BM_CoalesceOneFlow(benchmark::State& state) {
  RunGro(state, 1, state.range(0) != 0, 2);  // 44 + 20 (the 64 KB cap).
}
BENCHMARK(BM_CoalesceOneFlow)->ArgName("verify")->Arg(1)->Arg(0);

void BM_CoalesceEightFlows(benchmark::State& state) {
  RunGro(state, 8, state.range(0) != 0, 8);
}
BENCHMARK(BM_CoalesceEightFlows)->ArgName("verify")->Arg(1)->Arg(0);

// Every packet its own flow: the planning cost with nothing to merge.
void BM_CoalesceNoMerge(benchmark::State& state) {
  RunGro(state, kBatch, state.range(0) != 0, kBatch);
}
BENCHMARK(BM_CoalesceNoMerge)->ArgName("verify")->Arg(1)->Arg(0);

}  // namespace
}  // namespace fdlink::bench
