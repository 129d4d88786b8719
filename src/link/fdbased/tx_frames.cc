#include "link/fdbased/tx_frames.h"

#include <algorithm>
#include <cstring>

#include "fdlink/header/bytes.h"
#include "fdlink/header/checksum.h"
#include "fdlink/link/fdbased/options.h"
#include "link/fdbased/vnet_header.h"

namespace fdlink::fdbased {

namespace {

// CopyPrefix copies pkt's first out.size() bytes into out.
void CopyPrefix(const PacketBuffer& pkt, std::span<uint8_t> out) {
  size_t done = 0;
  pkt.ForEachSlice([&](std::span<const uint8_t> s) {
    const size_t n = std::min(s.size(), out.size() - done);
    if (n > 0) std::memcpy(out.data() + done, s.data(), n);
    done += n;
  });
}

// SumFrom is the one's-complement sum of pkt's bytes [off, end).
uint16_t SumFrom(const PacketBuffer& pkt, size_t off) {
  header::ChecksumAccumulator acc;
  pkt.ForEachSlice([&](std::span<const uint8_t> s) {
    if (off >= s.size()) {
      off -= s.size();
      return;
    }
    acc.Add(s.subspan(off));
    off = 0;
  });
  return acc.sum();
}

// AddBytes adds pkt's bytes from `off` on to the current frame, flattening
// them when they would take too many iovecs.
void AddBytes(TxBatch& b, const PacketBuffer& pkt, size_t off) {
  if (b.IovecsSoFar() + pkt.SliceCount() > kMaxIovs) {
    b.Flatten(pkt, off);
  } else {
    b.AddRange(pkt, off);
  }
}

}  // namespace

Result<bool> AddPacketFrame(TxBatch& b, const LinkConfig& link,
                            const PacketBuffer& pkt, const GSOOptions& g) {
  b.Begin();
  bool segmented = false;
  if (link.vnet_header_size > 0) {
    std::span<uint8_t, header::kVirtioNetHeaderSize> v = b.VnetSlot();
    Result<void> enc =
        EncodeVnetHeader(g,
                         {.link_header_size = link.link_header_size,
                          .frame_size = pkt.Size(),
                          .pushed_header_size = pkt.HeaderSize()},
                         v);
    if (!enc) {
      b.Drop(b.size() - 1);
      return enc.error();
    }
    segmented =
        header::VirtioNetHeader(std::span<const uint8_t>(v)).gso_type() !=
        header::virtio_net::kGsoNone;
    b.Add(v);
  }
  AddBytes(b, pkt, 0);
  b.End();
  return segmented;
}

Result<void> AddChecksummedFrame(TxBatch& b, const LinkConfig& link,
                                 const PacketBuffer& pkt) {
  const GSOOptions& g = pkt.gso_options();
  const size_t start = size_t{link.link_header_size} + g.l3_header_len;
  const size_t field = start + g.csum_offset;
  const size_t end = field + 2;
  if (end > pkt.Size()) {
    return Error{Errc::kMalformed, 0,
                 "fdbased: a partial checksum's field (l3_header_len + "
                 "csum_offset) lies past the packet"};
  }
  // The field holds the pseudo-header sum, so the sum from csum_start on is
  // the whole checksum's input. 0 goes out as 0xffff (the same value in
  // one's complement, and the only one UDP allows).
  uint16_t csum = static_cast<uint16_t>(~SumFrom(pkt, start));
  if (csum == 0) csum = 0xffff;
  b.Begin();
  if (link.vnet_header_size > 0) {
    std::span<uint8_t, header::kVirtioNetHeaderSize> v = b.VnetSlot();
    std::fill(v.begin(), v.end(), 0);
    b.Add(v);
  }
  if (end <= kTxHeaderScratch) {
    std::span<uint8_t> head = std::span<uint8_t>(b.HeaderSlot()).first(end);
    CopyPrefix(pkt, head);
    header::StoreBe16(head, field, csum);
    b.Add(head);
    AddBytes(b, pkt, end);
  } else {
    header::StoreBe16(b.Flatten(pkt, 0), field, csum);
  }
  b.End();
  return Ok();
}

std::optional<GSOType> AddMergedFrame(TxBatch& b, const LinkConfig& link,
                                      std::span<const PacketBufferPtr> pkts,
                                      std::span<const uint32_t> members,
                                      const offload::CoalesceGroup& g) {
  const PacketBuffer& head = *pkts[members[0]];
  const size_t link_len = link.link_header_size;
  const size_t hs = offload::MergedHeaderSize(head);
  if (hs == 0 || hs > kTxHeaderScratch) return std::nullopt;
  b.Begin();
  auto fail = [&b]() -> std::optional<GSOType> {
    b.Drop(b.size() - 1);
    return std::nullopt;
  };
  std::span<uint8_t> merged = std::span<uint8_t>(b.HeaderSlot()).first(hs);
  Result<GSOOptions> opts = offload::WriteMergedHeaders(head, g, merged);
  if (!opts || opts->type == GSOType::kNone) return fail();
  size_t frame_size = link_len + hs;
  for (uint32_t m : members) {
    const PacketBuffer& p = *pkts[m];
    const size_t skip = link_len + offload::MergedHeaderSize(p);
    if (skip > p.Size()) return fail();
    frame_size += p.Size() - skip;
  }
  std::span<uint8_t, header::kVirtioNetHeaderSize> v = b.VnetSlot();
  Result<void> enc =
      EncodeVnetHeader(*opts,
                       {.link_header_size = link.link_header_size,
                        .frame_size = frame_size,
                        .pushed_header_size = link_len + hs},
                       v);
  if (!enc) return fail();
  b.Add(v);
  b.AddRange(head, 0, link_len);
  b.Add(merged);
  for (uint32_t m : members) {
    const PacketBuffer& p = *pkts[m];
    b.AddRange(p, link_len + offload::MergedHeaderSize(p));
    if (b.IovecsSoFar() > kMaxIovs) return fail();
  }
  b.End();
  return opts->type;
}

}  // namespace fdlink::fdbased
