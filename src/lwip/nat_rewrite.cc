#include "fdlink/lwip/nat_rewrite.h"

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"

namespace fdlink::lwip {

namespace {

uint16_t Be16At(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>((uint16_t{b[off]} << 8) | b[off + 1]);
}

void SetBe16At(std::span<uint8_t> b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}

// Replace16 stores `value` at b[off] and folds the change into the
// checksum fields at the given offsets (SIZE_MAX: none).
void Replace16(std::span<uint8_t> b, size_t off, uint16_t value, size_t csum_a,
               size_t csum_b) {
  const uint16_t old = Be16At(b, off);
  if (old == value) return;
  SetBe16At(b, off, value);
  for (size_t c : {csum_a, csum_b}) {
    if (c == SIZE_MAX) continue;
    SetBe16At(b, c, header::ChecksumUpdate16(Be16At(b, c), old, value));
  }
}

// ReplaceBytes replaces an address of `n` bytes (even) word by word.
void ReplaceBytes(std::span<uint8_t> b, size_t off, const uint8_t* value,
                  size_t n, size_t csum_a, size_t csum_b) {
  for (size_t i = 0; i < n; i += 2) {
    const uint16_t w =
        static_cast<uint16_t>((uint16_t{value[i]} << 8) | value[i + 1]);
    Replace16(b, off + i, w, csum_a, csum_b);
  }
}

}  // namespace

std::optional<ParsedFlow> ParseFlow(std::span<const uint8_t> ip) {
  if (ip.empty()) return std::nullopt;
  ParsedFlow f;
  std::span<const uint8_t> l4;
  const uint8_t version = ip[0] >> 4;
  if (version == 4) {
    Result<header::Ipv4> h = header::Ipv4::Parse(ip);
    if (!h || h->IsFragment()) return std::nullopt;
    f.key.proto = h->protocol();
    f.key.src = FlowAddr::FromV4(h->src(), 0);
    f.key.dst = FlowAddr::FromV4(h->dst(), 0);
    f.l4_offset = h->header_length();
    l4 = h->payload();
  } else if (version == 6) {
    Result<header::Ipv6> h = header::Ipv6::Parse(ip);
    if (!h) return std::nullopt;
    f.key.proto = h->next_header();
    f.key.src = FlowAddr::FromV6(h->src(), 0);
    f.key.dst = FlowAddr::FromV6(h->dst(), 0);
    f.l4_offset = header::kIpv6FixedHeaderSize;
    l4 = h->payload();
  } else {
    return std::nullopt;
  }
  f.l4_size = l4.size();
  if (f.key.proto == header::ip_proto::kTcp) {
    Result<header::Tcp> t = header::Tcp::Parse(l4);
    if (!t) return std::nullopt;
    f.key.src.port = t->src_port();
    f.key.dst.port = t->dst_port();
    f.tcp_flags = t->flags();
  } else if (f.key.proto == header::ip_proto::kUdp) {
    Result<header::Udp> u = header::Udp::Parse(l4);
    if (!u) return std::nullopt;
    f.key.src.port = u->src_port();
    f.key.dst.port = u->dst_port();
    f.udp_no_checksum = version == 4 && u->checksum() == 0;
  } else {
    return std::nullopt;
  }
  return f;
}

void RewriteFlow(std::span<uint8_t> ip, const ParsedFlow& flow,
                 const FlowAddr& src, const FlowAddr& dst) {
  const bool v6 = flow.key.src.v6;
  const bool tcp = flow.key.proto == header::ip_proto::kTcp;
  const size_t l4 = flow.l4_offset;
  const size_t l4_csum =
      flow.udp_no_checksum
          ? SIZE_MAX
          : l4 + (tcp ? size_t{header::kTcpChecksumOffset} : size_t{6});
  // The IPv4 header checksum covers the addresses; IPv6 has none. The
  // L4 checksum covers them through the pseudo header, and the ports.
  const size_t ip_csum = v6 ? SIZE_MAX : size_t{header::kIpv4ChecksumOffset};
  const size_t addr_len = v6 ? 16 : 4;
  const size_t src_off = v6 ? 8 : 12;
  const size_t dst_off = v6 ? 24 : 16;
  ReplaceBytes(ip, src_off, src.ip.data(), addr_len, ip_csum, l4_csum);
  ReplaceBytes(ip, dst_off, dst.ip.data(), addr_len, ip_csum, l4_csum);
  Replace16(ip, l4, src.port, l4_csum, SIZE_MAX);
  Replace16(ip, l4 + 2, dst.port, l4_csum, SIZE_MAX);
  // A UDP checksum that comes out as 0 is sent as 0xffff (0 means none).
  if (!tcp && l4_csum != SIZE_MAX && Be16At(ip, l4_csum) == 0) {
    SetBe16At(ip, l4_csum, 0xffff);
  }
}

}  // namespace fdlink::lwip
