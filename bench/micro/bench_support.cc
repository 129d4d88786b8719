#include "micro/bench_support.h"

#include <cstdlib>
#include <span>

#include "alloc_counter/alloc_counter.h"
#include "fdlink/header/builder.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"

namespace fdlink::bench {
namespace {

constexpr header::UdpPorts kPorts{.src = 1234, .dst = 5678};
constexpr header::Ipv4Address kV4Src =
    header::Ipv4Address::FromUint32(0xc6120001);  // 198.18.0.1
constexpr header::Ipv4Address kV4Dst =
    header::Ipv4Address::FromUint32(0xc6120002);  // 198.18.0.2

// V6 returns 2001:db8::<host>.
header::Ipv6Address V6(uint8_t host) {
  return header::Ipv6Address(
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, host});
}

}  // namespace

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 13 + 1);
  return v;
}

std::vector<uint8_t> Ipv4UdpPacket(size_t total) {
  std::vector<uint8_t> b = Pattern(total);
  if (!header::WriteIpv4Udp(b, kV4Src, kV4Dst, kPorts)) std::abort();
  return b;
}

std::vector<uint8_t> Ipv6UdpPacket(size_t payload, bool extensions) {
  const size_t ext = extensions ? header::kIpv6PadExtensionsSize : 0;
  std::vector<uint8_t> b = Pattern(header::kIpv6FixedHeaderSize + ext +
                                   header::kUdpMinimumSize + payload);
  if (!header::WriteIpv6Udp(b, V6(1), V6(2), kPorts, extensions)) std::abort();
  return b;
}

AllocMeter::AllocMeter() : start_(AllocCount()) {}

void AllocMeter::Report(benchmark::State& state) const {
  const double allocs = static_cast<double>(AllocCount() - start_);
  state.counters["allocs_per_iter"] =
      benchmark::Counter(allocs, benchmark::Counter::kAvgIterations);
}

}  // namespace fdlink::bench
