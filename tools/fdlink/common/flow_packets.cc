#include "common/flow_packets.h"

#include <cstdlib>
#include <span>

#include "fdlink/header/builder.h"
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
  for (size_t k = header::kIpv4MinimumSize + header::kUdpMinimumSize; k < size;
       ++k)
    b[k] = static_cast<uint8_t>(flow + k - header::kIpv4MinimumSize);
  const header::UdpPorts ports{.src = static_cast<uint16_t>(10000 + flow),
                               .dst = static_cast<uint16_t>(20000 + flow * 3)};
  if (!header::WriteIpv4Udp(b, src, dst, ports)) std::abort();
  return b;
}

}  // namespace fdlink::tool
