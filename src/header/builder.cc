#include "fdlink/header/builder.h"

#include <algorithm>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/udp.h"

namespace fdlink::header {
namespace {

constexpr size_t kMaxLength = 0xffff;
constexpr uint8_t kDefaultTtl = 64;

// WriteUdp fills the UDP header at the front of `udp` (the whole datagram)
// and its checksum over the pseudo-header of src and dst.
template <typename Address>
void WriteUdp(std::span<uint8_t> udp, const Address& src, const Address& dst,
              UdpPorts ports) {
  MutableUdp u(udp);
  u.SetSrcPort(ports.src);
  u.SetDstPort(ports.dst);
  u.SetLength(static_cast<uint16_t>(udp.size()));
  u.SetChecksum(UdpChecksum(src, dst, udp));
}

// WritePadOnlyOptions writes an 8-byte options header (hop-by-hop or
// destination options) whose only option is a 4-byte PadN.
void WritePadOnlyOptions(std::span<uint8_t> h, uint8_t next_header) {
  const uint8_t bytes[8] = {next_header, 0, 1, 4, 0, 0, 0, 0};
  std::copy(std::begin(bytes), std::end(bytes), h.begin());
}

}  // namespace

Result<void> WriteIpv4Udp(std::span<uint8_t> packet, const Ipv4Address& src,
                          const Ipv4Address& dst, UdpPorts ports) {
  if (packet.size() < kIpv4MinimumSize + kUdpMinimumSize ||
      packet.size() > kMaxLength) {
    return Error{Errc::kInvalidArgument, 0,
                 "IPv4/UDP packet size out of range"};
  }
  std::fill_n(packet.begin(), kIpv4MinimumSize, 0);
  MutableIpv4 ip(packet);
  ip.SetVersion(kIpv4Version);
  ip.SetHeaderLength(kIpv4MinimumSize);
  ip.SetTotalLength(static_cast<uint16_t>(packet.size()));
  ip.SetTtl(kDefaultTtl);
  ip.SetProtocol(ip_proto::kUdp);
  ip.SetSrc(src);
  ip.SetDst(dst);
  ip.UpdateChecksum();
  WriteUdp(packet.subspan(kIpv4MinimumSize), src, dst, ports);
  return {};
}

Result<void> WriteIpv6Udp(std::span<uint8_t> packet, const Ipv6Address& src,
                          const Ipv6Address& dst, UdpPorts ports,
                          bool pad_extensions) {
  const size_t ext = pad_extensions ? kIpv6PadExtensionsSize : 0;
  if (packet.size() < kIpv6FixedHeaderSize + ext + kUdpMinimumSize ||
      packet.size() - kIpv6FixedHeaderSize > kMaxLength) {
    return Error{Errc::kInvalidArgument, 0,
                 "IPv6/UDP packet size out of range"};
  }
  std::fill_n(packet.begin(), kIpv6FixedHeaderSize, 0);
  MutableIpv6 ip(packet);
  ip.SetVersion(kIpv6Version);
  ip.SetPayloadLength(
      static_cast<uint16_t>(packet.size() - kIpv6FixedHeaderSize));
  ip.SetHopLimit(kDefaultTtl);
  ip.SetSrc(src);
  ip.SetDst(dst);
  std::span<uint8_t> rest = packet.subspan(kIpv6FixedHeaderSize);
  if (pad_extensions) {
    ip.SetNextHeader(ip_proto::kIpv6HopByHop);
    WritePadOnlyOptions(rest.first(8), ip_proto::kIpv6DestinationOptions);
    WritePadOnlyOptions(rest.subspan(8, 8), ip_proto::kUdp);
    rest = rest.subspan(ext);
  } else {
    ip.SetNextHeader(ip_proto::kUdp);
  }
  WriteUdp(rest, src, dst, ports);
  return {};
}

}  // namespace fdlink::header
