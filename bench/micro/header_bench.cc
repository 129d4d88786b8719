// Header view parsing: what the inbound path does to every packet.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/ipv6_extensions.h"
#include "fdlink/header/udp.h"
#include "micro/bench_support.h"

namespace fdlink::bench {
namespace {

// Ipv4 + UDP on a 64-byte packet.
void BM_ParseIpv4Udp(benchmark::State& state) {
  const std::vector<uint8_t> pkt = Ipv4UdpPacket(64);
  const std::span<const uint8_t> bytes(pkt);
  for (auto _ : state) {
    Result<header::Ipv4> ip = header::Ipv4::Parse(bytes);
    if (!ip) std::abort();
    Result<header::Udp> udp = header::Udp::Parse(ip->payload());
    if (!udp) std::abort();
    uint32_t ports = (uint32_t{udp->src_port()} << 16) | udp->dst_port();
    benchmark::DoNotOptimize(ports);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseIpv4Udp);

// Ipv6, then the walk over hop-by-hop and destination options to UDP.
void BM_ParseIpv6ExtensionsUdp(benchmark::State& state) {
  const std::vector<uint8_t> pkt = Ipv6UdpPacket(16, /*extensions=*/true);
  const std::span<const uint8_t> bytes(pkt);
  for (auto _ : state) {
    Result<header::Ipv6> ip = header::Ipv6::Parse(bytes);
    if (!ip) std::abort();
    Result<header::Ipv6TransportInfo> t = header::FindIpv6Transport(*ip);
    if (!t || t->offset != 56) std::abort();
    Result<header::Udp> udp = header::Udp::Parse(bytes.subspan(t->offset));
    if (!udp) std::abort();
    benchmark::DoNotOptimize(udp->dst_port());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseIpv6ExtensionsUdp);

}  // namespace
}  // namespace fdlink::bench
