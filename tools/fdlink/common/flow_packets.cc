#include "common/flow_packets.h"

#include <cstdlib>
#include <span>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/udp.h"

namespace fdlink::tool {

std::vector<uint8_t> FlowPacket(size_t flow, size_t size) {
  if (size < header::kIpv4MinimumSize + header::kUdpMinimumSize)
    std::abort();  // Programming error: callers check their sizes.
  std::vector<uint8_t> b(size);
  const auto src = header::Ipv4Address::FromUint32(
      0xC6120000u | static_cast<uint32_t>(1 + flow % 250));
  const auto dst = header::Ipv4Address::FromUint32(
      0xC6130000u | static_cast<uint32_t>(1 + (flow * 7) % 250));
  header::MutableIpv4 ip{std::span<uint8_t>(b)};
  ip.SetVersion(4);
  ip.SetHeaderLength(header::kIpv4MinimumSize);
  ip.SetTotalLength(static_cast<uint16_t>(size));
  ip.SetTtl(64);
  ip.SetProtocol(header::ip_proto::kUdp);
  ip.SetSrc(src);
  ip.SetDst(dst);
  ip.UpdateChecksum();
  std::span<uint8_t> udp =
      std::span<uint8_t>(b).subspan(header::kIpv4MinimumSize);
  header::MutableUdp u(udp);
  u.SetSrcPort(static_cast<uint16_t>(10000 + flow));
  u.SetDstPort(static_cast<uint16_t>(20000 + flow * 3));
  u.SetLength(static_cast<uint16_t>(udp.size()));
  for (size_t k = header::kUdpMinimumSize; k < udp.size(); ++k)
    udp[k] = static_cast<uint8_t>(flow + k);
  u.SetChecksum(header::UdpChecksum(src, dst, udp));
  return b;
}

}  // namespace fdlink::tool
