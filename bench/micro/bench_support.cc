#include "micro/bench_support.h"

#include <cstdlib>
#include <span>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"
#include "micro/alloc_counter.h"

namespace fdlink::bench {
namespace {

constexpr uint16_t kSrcPort = 1234;
constexpr uint16_t kDstPort = 5678;
constexpr header::Ipv4Address kV4Src =
    header::Ipv4Address::FromUint32(0xc6120001);  // 198.18.0.1
constexpr header::Ipv4Address kV4Dst =
    header::Ipv4Address::FromUint32(0xc6120002);  // 198.18.0.2

// V6 returns 2001:db8::<host>.
header::Ipv6Address V6(uint8_t host) {
  return header::Ipv6Address(
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, host});
}

// WriteUdpHeader fills the UDP header at the front of `udp` (the whole
// datagram); the checksum is left zero for the caller.
void WriteUdpHeader(std::span<uint8_t> udp) {
  header::MutableUdp u(udp);
  u.SetSrcPort(kSrcPort);
  u.SetDstPort(kDstPort);
  u.SetLength(static_cast<uint16_t>(udp.size()));
  u.SetChecksum(0);
}

// WritePadOnlyOptions writes an 8-byte options header (hop-by-hop or
// destination options) whose only option is a 4-byte PadN.
void WritePadOnlyOptions(std::span<uint8_t> h, uint8_t next_header) {
  const uint8_t bytes[8] = {next_header, 0, 1, 4, 0, 0, 0, 0};
  std::copy(std::begin(bytes), std::end(bytes), h.begin());
}

}  // namespace

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 13 + 1);
  return v;
}

std::vector<uint8_t> Ipv4UdpPacket(size_t total) {
  if (total < header::kIpv4MinimumSize + header::kUdpMinimumSize) std::abort();
  std::vector<uint8_t> b = Pattern(total);
  header::MutableIpv4 ip{std::span<uint8_t>(b)};
  std::fill_n(b.begin(), header::kIpv4MinimumSize, 0);
  ip.SetVersion(header::kIpv4Version);
  ip.SetHeaderLength(header::kIpv4MinimumSize);
  ip.SetTotalLength(static_cast<uint16_t>(total));
  ip.SetTtl(64);
  ip.SetProtocol(header::ip_proto::kUdp);
  ip.SetSrc(kV4Src);
  ip.SetDst(kV4Dst);
  ip.UpdateChecksum();
  std::span<uint8_t> udp = std::span(b).subspan(header::kIpv4MinimumSize);
  WriteUdpHeader(udp);
  header::MutableUdp(udp).SetChecksum(header::UdpChecksum(kV4Src, kV4Dst, udp));
  return b;
}

std::vector<uint8_t> Ipv6UdpPacket(size_t payload, bool extensions) {
  const size_t ext = extensions ? 16 : 0;
  const size_t l4 = header::kUdpMinimumSize + payload;
  std::vector<uint8_t> b = Pattern(header::kIpv6FixedHeaderSize + ext + l4);
  std::fill_n(b.begin(), header::kIpv6FixedHeaderSize + ext, 0);
  header::MutableIpv6 ip{std::span<uint8_t>(b)};
  ip.SetVersion(header::kIpv6Version);
  ip.SetPayloadLength(static_cast<uint16_t>(ext + l4));
  ip.SetHopLimit(64);
  ip.SetSrc(V6(1));
  ip.SetDst(V6(2));
  std::span<uint8_t> rest = std::span(b).subspan(header::kIpv6FixedHeaderSize);
  if (extensions) {
    ip.SetNextHeader(header::ip_proto::kIpv6HopByHop);
    WritePadOnlyOptions(rest.first(8),
                        header::ip_proto::kIpv6DestinationOptions);
    WritePadOnlyOptions(rest.subspan(8, 8), header::ip_proto::kUdp);
    rest = rest.subspan(16);
  } else {
    ip.SetNextHeader(header::ip_proto::kUdp);
  }
  WriteUdpHeader(rest);
  header::MutableUdp(rest).SetChecksum(header::UdpChecksum(V6(1), V6(2), rest));
  return b;
}

AllocMeter::AllocMeter() : start_(AllocCount()) {}

void AllocMeter::Report(benchmark::State& state) const {
  const double allocs = static_cast<double>(AllocCount() - start_);
  state.counters["allocs_per_iter"] =
      benchmark::Counter(allocs, benchmark::Counter::kAvgIterations);
}

}  // namespace fdlink::bench
