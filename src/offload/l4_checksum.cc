#include "offload/l4_checksum.h"

#include "fdlink/header/bytes.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"

namespace fdlink::offload::internal {

uint16_t PseudoSum(const FlowKey& key, uint32_t l4_length) {
  if (key.version == 4) {
    return header::PseudoHeaderChecksum(
        key.protocol,
        header::Ipv4Address::FromBytes(std::span(key.src).first<4>()),
        header::Ipv4Address::FromBytes(std::span(key.dst).first<4>()),
        static_cast<uint16_t>(l4_length));
  }
  return header::PseudoHeaderChecksum(
      key.protocol, header::Ipv6Address::FromBytes(key.src),
      header::Ipv6Address::FromBytes(key.dst), l4_length);
}

bool L4ChecksumValid(const PacketBuffer& pkt, const SegmentInfo& info) {
  const uint32_t l4_length = info.l4_len + info.payload_len;
  if (info.key.protocol == header::ip_proto::kUdp &&
      header::LoadBe16(info.header, info.l3_len + 6) == 0) {
    return info.key.version == 4;
  }
  header::ChecksumAccumulator acc(PseudoSum(info.key, l4_length));
  pkt.ForEachSliceFrom(pkt.LinkHeaderSize() + info.l3_len,
                       [&](std::span<const uint8_t> s) { acc.Add(s); });
  return acc.sum() == 0xffff;
}

}  // namespace fdlink::offload::internal
