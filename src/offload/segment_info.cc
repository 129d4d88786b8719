#include "offload/segment_info.h"

#include <algorithm>
#include <cstring>

#include "fdlink/header/bytes.h"
#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/tcp.h"
#include "offload/l4_checksum.h"

namespace fdlink::offload::internal {
namespace {

using header::LoadBe16;
using header::LoadBe32;

// CopyPrefix copies up to out.size() bytes of `pkt` starting at `offset`
// (counted from the first byte after the headroom) and returns how many.
size_t CopyPrefix(const PacketBuffer& pkt, size_t offset,
                  std::span<uint8_t> out) {
  size_t copied = 0;
  pkt.ForEachSliceFrom(offset, [&](std::span<const uint8_t> s) {
    const size_t n = std::min(s.size(), out.size() - copied);
    if (n == 0) return;
    std::memcpy(out.data() + copied, s.data(), n);
    copied += n;
  });
  return copied;
}

// ReadIp fills the IP part of the key and the traits and sets `ip_ok` when
// the IP header passes the merge rules; it returns the IP
// header length, or 0 when the packet has no readable flow.
size_t ReadIp(std::span<const uint8_t> h, size_t ip_len, SegmentInfo& info,
              bool& ip_ok, bool verify) {
  const uint8_t version = h[0] >> 4;
  if (version == 4) {
    if (h.size() < 20) return 0;
    const size_t ihl = size_t{h[0] & 0x0fu} * 4;
    const uint16_t frag = LoadBe16(h, 6);
    if (ihl < 20 || (frag & 0x3fff) != 0 || ihl + 8 > ip_len ||
        ihl + 4 > h.size()) {
      return 0;
    }
    info.key.version = 4;
    info.key.protocol = h[9];
    std::copy_n(h.begin() + 12, 4, info.key.src.begin());
    std::copy_n(h.begin() + 16, 4, info.key.dst.begin());
    // ToS and the flags (DF and the reserved bit; MF and the offset are 0).
    info.ip_traits = (uint32_t{h[1]} << 16) | frag;
    info.hop_limit = h[8];
    ip_ok = ihl == 20 && LoadBe16(h, 2) == ip_len &&
            (!verify || header::Checksum(h.first(20)) == 0xffff);
    return ihl;
  }
  if (version == 6) {
    if (h.size() < 40 || ip_len < 48) return 0;
    const uint8_t nh = h[6];
    if (nh != header::ip_proto::kTcp && nh != header::ip_proto::kUdp) {
      return 0;  // Extension headers: never merged, not looked into.
    }
    info.key.version = 6;
    info.key.protocol = nh;
    std::copy_n(h.begin() + 8, 16, info.key.src.begin());
    std::copy_n(h.begin() + 24, 16, info.key.dst.begin());
    info.ip_traits = LoadBe32(h, 0);
    info.hop_limit = h[7];
    ip_ok = size_t{LoadBe16(h, 4)} + 40 == ip_len;
    return 40;
  }
  return 0;
}

}  // namespace

uint32_t FlowKey::Hash() const {
  // FNV-1a over the fields; cheap and good enough for a per-batch table.
  uint32_t h = 2166136261u;
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 16777619u; };
  mix(version);
  mix(protocol);
  mix(static_cast<uint8_t>(src_port >> 8));
  mix(static_cast<uint8_t>(src_port));
  mix(static_cast<uint8_t>(dst_port >> 8));
  mix(static_cast<uint8_t>(dst_port));
  const size_t n = version == 4 ? 4 : 16;
  for (size_t i = 0; i < n; ++i) mix(src[i]);
  for (size_t i = 0; i < n; ++i) mix(dst[i]);
  return h;
}

void Inspect(const PacketBuffer& pkt, bool verify, SegmentInfo& info) {
  info.has_key = false;
  info.mergeable = false;
  info.key = FlowKey{};
  info.type = GSOType::kNone;
  info.payload_len = 0;
  info.tcp_flags = 0;
  info.seq = info.ack = 0;
  const size_t link = pkt.LinkHeaderSize();
  if (pkt.Size() <= link) return;
  const size_t ip_len = pkt.Size() - link;
  const size_t n = CopyPrefix(pkt, link, info.header);
  const std::span<const uint8_t> h(info.header.data(), n);
  bool ip_ok = false;
  const size_t l3 = ReadIp(h, ip_len, info, ip_ok, verify);
  if (l3 == 0) return;
  const bool tcp = info.key.protocol == header::ip_proto::kTcp;
  const bool udp = info.key.protocol == header::ip_proto::kUdp;
  if (!tcp && !udp) return;
  info.key.src_port = LoadBe16(h, l3);
  info.key.dst_port = LoadBe16(h, l3 + 2);
  info.has_key = true;
  if (!ip_ok || pkt.gso_options().type != GSOType::kNone) return;

  size_t l4 = 0;
  if (tcp) {
    if (l3 + header::kTcpMinimumSize > n) return;
    l4 = (size_t{h[l3 + 12]} >> 4) * 4;
    if (l4 < header::kTcpMinimumSize || l3 + l4 > n || l3 + l4 >= ip_len) {
      return;
    }
    info.tcp_flags = h[l3 + 13];
    if (info.tcp_flags != header::tcp_flag::kAck &&
        info.tcp_flags != (header::tcp_flag::kAck | header::tcp_flag::kPsh)) {
      return;
    }
    info.seq = LoadBe32(h, l3 + 4);
    info.ack = LoadBe32(h, l3 + 8);
    info.type = info.key.version == 4 ? GSOType::kTCPv4 : GSOType::kTCPv6;
  } else {
    l4 = 8;
    if (l3 + l4 >= ip_len || LoadBe16(h, l3 + 4) != ip_len - l3) return;
    info.type = GSOType::kUDPL4;
  }
  info.l3_len = static_cast<uint16_t>(l3);
  info.l4_len = static_cast<uint16_t>(l4);
  info.payload_len = static_cast<uint32_t>(ip_len - l3 - l4);
  if (verify && !pkt.rx_checksum_validated() && !pkt.gso_options().needs_csum &&
      !L4ChecksumValid(pkt, info)) {
    return;
  }
  info.mergeable = true;
}

}  // namespace fdlink::offload::internal
