// Fuzz target vnet_decode: the inbound virtio-net header decoder
// (DecodeVnetHeader, src/link/fdbased/vnet_header.h) and the software
// splitter (offload::SplitSuperPacket) on arbitrary frames. Checked: a
// plain header (no NEEDS_CSUM, gso_type NONE) is always accepted; the
// decoder changes nothing but the checksum field it completes; a
// super-packet it accepts splits (unless it needs more than kMaxSegments)
// into SegmentCount wire packets whose checksums all verify and whose
// payloads put together are the super-packet's; the splitter, handed GSO
// options straight from the raw header fields, either refuses or produces
// segments that verify. No packet is left alive.
//
// Input: a virtio-net header, a layout byte (bit 0: a 14-byte link header
// in front of the IP packet), then the frame's bytes after the header.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/offload/gso_split.h"
#include "link/fdbased/vnet_header.h"
#include "support/fuzz_check.h"

namespace {

namespace header = fdlink::header;
namespace vnet = fdlink::header::virtio_net;
using fdlink::GSOOptions;
using fdlink::GSOType;
using fdlink::PacketBuffer;
using fdlink::PacketBufferPtr;

// SegmentVerifies reports whether wire packet `net` (layout from `g`) has a
// valid IPv4 header checksum (IPv4) and L4 checksum.
bool SegmentVerifies(std::span<const uint8_t> net, const GSOOptions& g) {
  const bool tcp = g.type != GSOType::kUDPL4;
  if (net.size() < g.l3_header_len) return false;
  std::span<const uint8_t> l4 = net.subspan(g.l3_header_len);
  if ((net[0] >> 4) == 4) {
    header::Ipv4 ip(net);
    if (!ip.IsChecksumValid() || ip.total_length() != net.size()) return false;
    return tcp ? header::VerifyTcpChecksum(ip.src(), ip.dst(), l4)
               : header::VerifyUdpChecksum(ip.src(), ip.dst(), l4);
  }
  header::Ipv6 ip(net);
  if (ip.payload_length() + header::kIpv6FixedHeaderSize != net.size())
    return false;
  return tcp ? header::VerifyTcpChecksum(ip.src(), ip.dst(), l4)
             : header::VerifyUdpChecksum(ip.src(), ip.dst(), l4);
}

// CheckSplit splits `pkt` and checks every segment; `must_work` says the
// metadata was validated, so only the segment cap may refuse it.
void CheckSplit(PacketBuffer& pkt, bool must_work) {
  const GSOOptions g = pkt.gso_options();
  std::vector<PacketBufferPtr> out;
  fdlink::Result<size_t> n = fdlink::offload::SplitSuperPacket(pkt, 8, out);
  const size_t count = fdlink::offload::SegmentCount(pkt);
  if (!n) {
    FUZZ_CHECK(out.empty());
    if (must_work) {
      FUZZ_CHECK(count > fdlink::offload::kMaxSegments);
      FUZZ_CHECK(n.error().code == fdlink::Errc::kMessageTooLong);
    }
    return;
  }
  FUZZ_CHECK(*n == out.size() && *n == count);
  FUZZ_CHECK(*n <= fdlink::offload::kMaxSegments);
  const size_t link = pkt.LinkHeaderSize();
  const size_t hdr = g.l3_header_len + g.l4_header_len;
  std::vector<uint8_t> joined;
  for (PacketBufferPtr& s : out) {
    FUZZ_CHECK(s->gso_options().type == GSOType::kNone);
    FUZZ_CHECK(s->LinkHeaderSize() == link);
    FUZZ_CHECK(s->AvailableHeaderBytes() == 8);
    std::span<const uint8_t> net = s->NetworkPacket();
    FUZZ_CHECK(net.size() >= hdr && net.size() - hdr <= g.mss);
    FUZZ_CHECK(SegmentVerifies(net, g));
    joined.insert(joined.end(), net.begin() + hdr, net.end());
  }
  const std::vector<uint8_t> whole = pkt.ToBytes();
  FUZZ_CHECK(joined.size() == whole.size() - link - hdr);
  FUZZ_CHECK(
      std::equal(joined.begin(), joined.end(), whole.begin() + link + hdr));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fdlink::fuzz::FuzzInput in({data, size});
  const std::span<const uint8_t> hdr = in.Take(header::kVirtioNetHeaderSize);
  const uint8_t layout = in.U8();
  const uint16_t link = (layout & 1) ? 14 : 0;
  const std::span<const uint8_t> rest = in.Rest();
  std::vector<uint8_t> frame(rest.begin(), rest.end());

  fdlink::Result<fdlink::fdbased::VnetRx> r =
      fdlink::fdbased::DecodeVnetHeader(hdr, frame, link);
  const bool full = hdr.size() == header::kVirtioNetHeaderSize;
  if (full) {
    const header::VirtioNetHeader v(hdr);
    const bool needs_csum = (v.flags() & vnet::kFlagNeedsCsum) != 0;
    const bool plain = (v.gso_type() & ~vnet::kGsoEcn) == vnet::kGsoNone;
    if (plain && !needs_csum && frame.size() >= link) FUZZ_CHECK(r);
    // Nothing but a completed checksum field changes.
    const size_t field = size_t{v.csum_start()} + v.csum_offset();
    for (size_t i = 0; i < frame.size(); ++i) {
      if (r && plain && needs_csum && (i == field || i == field + 1)) continue;
      FUZZ_CHECK(frame[i] == rest[i]);
    }
    if (r && r->gso.type != GSOType::kNone) {
      FUZZ_CHECK(r->gso.needs_csum && r->gso.mss == v.gso_size());
      PacketBufferPtr pkt = PacketBuffer::Create({.payload = frame});
      if (link > 0) FUZZ_CHECK(pkt->ConsumeLinkHeader(link).size() == link);
      pkt->set_gso_options(r->gso);
      CheckSplit(*pkt, /*must_work=*/true);
    }

    // The splitter alone, with options straight from the raw fields.
    GSOOptions g;
    constexpr GSOType kTypes[] = {GSOType::kNone, GSOType::kTCPv4,
                                  GSOType::kTCPv6, GSOType::kUDPL4};
    g.type = kTypes[v.gso_type() % 4];
    g.needs_csum = needs_csum;
    g.csum_offset = v.csum_offset();
    g.mss = v.gso_size();
    g.l3_header_len = v.csum_start();
    g.l4_header_len = v.hdr_len();
    if (g.type != GSOType::kNone) {
      PacketBufferPtr raw = PacketBuffer::Create({.payload = rest});
      if (link > 0 && rest.size() >= link) raw->ConsumeLinkHeader(link);
      raw->set_gso_options(g);
      CheckSplit(*raw, /*must_work=*/false);
    }
  }
  FUZZ_CHECK(PacketBuffer::LiveCount() == 0);
  return 0;
}
