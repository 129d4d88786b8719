// MergedHeaderSize, WriteMergedHeaders and BuildMerged: a planned group
// turned into one super-packet's headers (and, on receive, the packet).
#include <cstring>

#include "fdlink/header/bytes.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/tcp.h"
#include "fdlink/offload/coalesce.h"
#include "offload/l4_checksum.h"
#include "offload/segment_info.h"

namespace fdlink::offload {
namespace {

using header::StoreBe16;

// InspectHead reads `head` without checking checksums (the plan did).
bool InspectHead(const PacketBuffer& head, internal::SegmentInfo& info) {
  internal::Inspect(head, /*verify=*/false, info);
  return info.mergeable;
}

}  // namespace

size_t MergedHeaderSize(const PacketBuffer& head) {
  internal::SegmentInfo info;
  if (!InspectHead(head, info)) return 0;
  return size_t{info.l3_len} + info.l4_len;
}

Result<GSOOptions> WriteMergedHeaders(const PacketBuffer& head,
                                      const CoalesceGroup& g,
                                      std::span<uint8_t> out) {
  internal::SegmentInfo info;
  if (g.count < 2 || !InspectHead(head, info) || info.type != g.type) {
    return Error{Errc::kInvalidArgument, 0, "WriteMergedHeaders: not merged"};
  }
  const size_t hdr = size_t{info.l3_len} + info.l4_len;
  const size_t l4_length = size_t{info.l4_len} + g.payload_bytes;
  if (out.size() < hdr || info.l3_len + l4_length > 65535) {
    return Error{Errc::kInvalidArgument, 0, "WriteMergedHeaders: size"};
  }
  std::memcpy(out.data(), info.header.data(), hdr);
  if (info.key.version == 4) {
    StoreBe16(out, 2, static_cast<uint16_t>(info.l3_len + l4_length));
    StoreBe16(out, header::kIpv4ChecksumOffset, 0);
    StoreBe16(out, header::kIpv4ChecksumOffset,
              static_cast<uint16_t>(~header::Checksum(out.first(20))));
  } else {
    StoreBe16(out, 4, static_cast<uint16_t>(l4_length));
  }
  const std::span<uint8_t> l4 = out.subspan(info.l3_len);
  GSOOptions gso;
  gso.type = g.type;
  gso.needs_csum = true;
  gso.mss = g.gso_size;
  gso.l3_header_len = info.l3_len;
  gso.l4_header_len = info.l4_len;
  if (g.type == GSOType::kUDPL4) {
    StoreBe16(l4, 4, static_cast<uint16_t>(l4_length));
    gso.csum_offset = 6;
  } else {
    if (g.push) l4[13] |= header::tcp_flag::kPsh;
    gso.csum_offset = header::kTcpChecksumOffset;
  }
  StoreBe16(l4, gso.csum_offset,
            internal::PseudoSum(info.key, static_cast<uint32_t>(l4_length)));
  return gso;
}

Result<PacketBufferPtr> BuildMerged(std::span<const PacketBufferPtr> pkts,
                                    const Coalescer& plan,
                                    const CoalesceGroup& g, size_t headroom) {
  const std::span<const uint32_t> members = plan.Members(g);
  if (members.empty() || members.back() >= pkts.size()) {
    return Error{Errc::kInvalidArgument, 0, "BuildMerged: group"};
  }
  PacketBuffer& head = *pkts[members[0]];
  if (g.count == 1) return head.IncRef();

  const size_t link = head.LinkHeaderSize();
  const size_t hdr = MergedHeaderSize(head);
  const size_t front = link + hdr;
  PacketBufferPtr out =
      PacketBuffer::FromView(View(ChunkRef::Allocate(headroom + front), 0,
                                  static_cast<uint32_t>(headroom + front)),
                             static_cast<uint32_t>(headroom));
  const std::span<uint8_t> bytes = out->Contiguous();
  if (link > 0) std::memcpy(bytes.data(), head.LinkHeader().data(), link);
  Result<GSOOptions> gso = WriteMergedHeaders(head, g, bytes.subspan(link));
  if (!gso) return gso.error();
  if (link > 0) (void)out->ConsumeLinkHeader(link);

  size_t appended = 0;
  for (uint32_t m : members) {
    const PacketBuffer& p = *pkts[m];
    const size_t off = p.LinkHeaderSize() + hdr;
    if (p.Size() < off || !out->AppendRangeOf(p, off, p.Size() - off)) {
      return Error{Errc::kMalformed, 0, "BuildMerged: member"};
    }
    appended += p.Size() - off;
  }
  if (appended != g.payload_bytes) {
    return Error{Errc::kMalformed, 0, "BuildMerged: payload"};
  }
  out->set_gso_options(*gso);
  out->set_network_protocol(head.network_protocol());
  out->set_hash(head.hash());
  out->set_rx_checksum_validated(head.rx_checksum_validated());
  return out;
}

}  // namespace fdlink::offload
