// Fuzz target vnet_header: the virtio-net header the endpoint writes for
// host GSO (EncodeVnetHeader, src/link/fdbased/vnet_header.h), decoded
// again with VirtioNetHeaderView, for arbitrary GSO options and packet
// layouts: either an error and an all-zero header, or NEEDS_CSUM and
// csum_start/csum_offset exactly when a checksum is asked for, the GSO
// type's gso_type with gso_size = MSS and hdr_len = the headers exactly when
// the payload exceeds the MSS, and nothing else set.
//
// Input: a virtio-net header (decoded into the GSO options), a layout byte
// (bit 0: Ethernet link header), network and transport header lengths
// (one byte each), then the packet's bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/virtio_net.h"
#include "link/fdbased/vnet_header.h"
#include "support/fuzz_check.h"

namespace {

namespace header = fdlink::header;
namespace vnet = fdlink::header::virtio_net;

fdlink::GSOOptions DecodeOptions(std::span<const uint8_t> hdr) {
  fdlink::GSOOptions g;
  auto v = header::VirtioNetHeader::Parse(hdr);
  if (!v) return g;
  const uint8_t type = v->gso_type() & ~vnet::kGsoEcn;
  g.type = type == vnet::kGsoTcpV4   ? fdlink::GSOType::kTCPv4
           : type == vnet::kGsoTcpV6 ? fdlink::GSOType::kTCPv6
           : type == vnet::kGsoUdpL4 ? fdlink::GSOType::kUDPL4
                                     : fdlink::GSOType::kNone;
  g.needs_csum = (v->flags() & vnet::kFlagNeedsCsum) != 0;
  g.csum_offset = v->csum_offset();
  g.mss = v->gso_size();
  g.l3_header_len = v->csum_start();
  return g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fdlink::fuzz::FuzzInput in({data, size});
  const fdlink::GSOOptions g =
      DecodeOptions(in.Take(header::kVirtioNetHeaderSize));
  const uint8_t layout = in.U8();
  const size_t l3 = in.U8() % 61;
  const size_t l4 = in.U8() % 61;
  const std::span<const uint8_t> bytes = in.Rest();
  const uint16_t link = (layout & 1) ? 14 : 0;

  fdlink::PacketBufferOptions o;
  o.reserve_header_bytes = 14 + 60 + 60;
  o.payload = bytes;
  fdlink::PacketBufferPtr pkt = fdlink::PacketBuffer::Create(o);
  FUZZ_CHECK(pkt);
  FUZZ_CHECK(pkt->PushTransportHeader(l4).size() == l4);
  FUZZ_CHECK(pkt->PushNetworkHeader(l3).size() == l3);
  if (link > 0) FUZZ_CHECK(pkt->PushLinkHeader(link).size() == link);
  pkt->set_gso_options(g);

  std::array<uint8_t, fdlink::header::kVirtioNetHeaderSize> out;
  out.fill(0xa5);
  const fdlink::Result<void> r =
      fdlink::fdbased::EncodeVnetHeader(*pkt, link, out);
  const header::VirtioNetHeader v{std::span<const uint8_t>(out)};
  if (!r) {
    for (uint8_t b : out) FUZZ_CHECK(b == 0);
  } else {
    FUZZ_CHECK(v.flags() == (g.needs_csum ? vnet::kFlagNeedsCsum : 0));
    if (g.needs_csum) {
      FUZZ_CHECK(v.csum_start() == link + g.l3_header_len);
      FUZZ_CHECK(v.csum_offset() == g.csum_offset);
      FUZZ_CHECK(v.csum_start() + v.csum_offset() + 2u <= pkt->Size());
    } else {
      FUZZ_CHECK(v.csum_start() == 0 && v.csum_offset() == 0);
    }
    const size_t hdr =
        std::max<size_t>(pkt->HeaderSize(), size_t{link} + g.l3_header_len);
    const bool segment =
        g.type != fdlink::GSOType::kNone && pkt->Size() - hdr > g.mss;
    if (segment) {
      FUZZ_CHECK(v.gso_type() == fdlink::fdbased::VnetGsoType(g.type));
      FUZZ_CHECK(v.gso_type() != vnet::kGsoNone);
      FUZZ_CHECK(v.gso_size() == g.mss && g.mss > 0);
      FUZZ_CHECK(v.hdr_len() == hdr);
      FUZZ_CHECK(pkt->HeaderSize() == link + l3 + l4);
    } else {
      FUZZ_CHECK(v.gso_type() == vnet::kGsoNone);
      FUZZ_CHECK(v.gso_size() == 0 && v.hdr_len() == 0);
    }
  }
  pkt.reset();
  FUZZ_CHECK(fdlink::PacketBuffer::LiveCount() == 0);
  return 0;
}
