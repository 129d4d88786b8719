// NetifAdapter's offloads: a TCP super-packet goes into lwIP as one
// segment, the way the kernel's GRO hands its TCP one merged segment, and
// (send_super) lwIP's large segments go out as super-packets.
#include <algorithm>
#include <cstring>
#include <utility>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/tcp.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/offload/gso_split.h"
#include "lwip/lwip_headers.h"

namespace fdlink::lwip {

namespace {

bool IsTcp(GSOType t) { return t == GSOType::kTCPv4 || t == GSOType::kTCPv6; }

}  // namespace

void NetifAdapter::DeliverSuperLocked(PacketBuffer& pkt) {
  const GSOOptions& g = pkt.gso_options();
  const size_t link = pkt.LinkHeaderSize();
  const size_t size = pkt.Size() - link;
  if (!config_.merge_tcp || !IsTcp(g.type) || !g.needs_csum || size > 0xffff) {
    DeliverSplit(pkt);
    return;
  }
  // One copy, straight into the pbuf lwIP keeps (PBUF_RAM is one block);
  // the headers are checked, the checksum completed and the addresses
  // translated there.
  pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(size), PBUF_RAM);
  if (p == nullptr) {
    ++counters_.rx_no_memory;
    return;
  }
  auto* dst = static_cast<uint8_t*>(p->payload);
  size_t off = 0;
  pkt.ForEachSliceFrom(link, [&](std::span<const uint8_t> s) {
    std::memcpy(dst + off, s.data(), s.size());
    off += s.size();
  });
  std::span<uint8_t> ip(dst, size);
  if (!offload::CheckSuperPacketHeaders(ip, g) ||
      !offload::CompletePartialChecksum(ip, g.l3_header_len, g.csum_offset)) {
    ++counters_.rx_malformed;
    pbuf_free(p);
    return;
  }
  ++counters_.rx_merged;
  counters_.rx_merged_segments += offload::SegmentCount(pkt);
  if (!TranslateInbound(ip)) {
    pbuf_free(p);
    return;
  }
  if (netif_->input(p, netif_.get()) != ERR_OK) pbuf_free(p);
}

void NetifAdapter::DeliverSplit(PacketBuffer& pkt) {
  // split_ is empty here: every call leaves it so.
  if (!offload::SplitSuperPacket(pkt, 0, split_)) {  // Nothing appended.
    ++counters_.rx_malformed;
    return;
  }
  ++counters_.rx_split;
  for (PacketBufferPtr& s : split_) {
    DeliverWireLocked(*s);
    s.reset();
  }
  split_.clear();
}

void NetifAdapter::RaiseMss(tcp_pcb* pcb, NatEntry* e) {
  e->wire_mss = pcb->mss;
  if (pcb->mss == 0) return;
  // Room for the IP and TCP headers within 65,535 bytes (lwIP's pbuf
  // lengths are 16-bit), and a whole number of the client's segments so
  // that none of a super-packet's is a runt.
  const uint32_t room = std::min<uint32_t>(config_.send_super, 0xffff) - 60;
  const uint32_t mss = room / pcb->mss * pcb->mss;
  if (mss <= pcb->mss) return;
  pcb->mss = static_cast<u16_t>(mss);
  tcp_nagle_disable(pcb);  // A segment is not held back to fill 64 KiB.
}

void NetifAdapter::MarkSuper(PacketBuffer& pkt, std::span<uint8_t> ip,
                             const ParsedFlow& f, uint16_t wire_mss) {
  header::MutableTcp tcp(ip.subspan(f.l4_offset));
  if (f.l4_size <= tcp.data_offset() + size_t{wire_mss}) return;  // One.
  const uint16_t l4 = static_cast<uint16_t>(f.l4_size);
  GSOOptions g;
  g.needs_csum = true;
  g.csum_offset = static_cast<uint16_t>(header::kTcpChecksumOffset);
  g.mss = wire_mss;
  g.l3_header_len = static_cast<uint16_t>(f.l4_offset);
  g.l4_header_len = static_cast<uint16_t>(tcp.data_offset());
  // The checksum field holds the pseudo-header sum, as the kernel's own
  // super-packets do: each segment's checksum is computed when it is cut.
  if (f.key.src.v6) {
    header::Ipv6 v6(ip);
    g.type = GSOType::kTCPv6;
    tcp.SetChecksum(header::PseudoHeaderChecksum(header::ip_proto::kTcp,
                                                 v6.src(), v6.dst(), l4));
  } else {
    header::Ipv4 v4(ip);
    g.type = GSOType::kTCPv4;
    tcp.SetChecksum(header::PseudoHeaderChecksum(header::ip_proto::kTcp,
                                                 v4.src(), v4.dst(), l4));
  }
  pkt.set_gso_options(g);
  ++counters_.tx_super;
}

}  // namespace fdlink::lwip
