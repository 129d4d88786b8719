#include "lwip/ack_coalesce.h"

#include <algorithm>
#include <optional>

#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/tcp.h"
#include "fdlink/lwip/nat_rewrite.h"

namespace fdlink::lwip {
namespace {

// AckState is what one segment says of its flow's receive side.
struct AckState {
  FlowKey key;
  uint32_t ack = 0;
  uint16_t window = 0;
  bool has_ack = false;  // The ACK flag is set.
  bool pure = false;     // Only ACK, no options, no payload.
};

std::optional<AckState> ReadAck(std::span<const uint8_t> ip) {
  std::optional<ParsedFlow> f = ParseFlow(ip);
  if (!f || f->key.proto != header::ip_proto::kTcp) return std::nullopt;
  Result<header::Tcp> tcp =
      header::Tcp::Parse(ip.subspan(f->l4_offset, f->l4_size));
  if (!tcp) return std::nullopt;
  AckState s;
  s.key = f->key;
  s.ack = tcp->ack();
  s.window = tcp->window();
  s.has_ack = (tcp->flags() & header::tcp_flag::kAck) != 0;
  s.pure = tcp->flags() == header::tcp_flag::kAck &&
           tcp->data_offset() == header::kTcpMinimumSize &&
           tcp->payload().empty();
  return s;
}

// Supersedes is true when `later` makes the pure ACK `earlier` redundant.
bool Supersedes(const AckState& later, const AckState& earlier) {
  if (!later.has_ack || !(later.key == earlier.key)) return false;
  const auto ahead = static_cast<int32_t>(later.ack - earlier.ack);
  return ahead > 0 || (ahead == 0 && later.window > earlier.window);
}

// LooksLikePureAck is a cheap first look (no full parse): an IPv4 packet
// without options or an IPv6 one with TCP next, carrying a 20-byte TCP
// header with only the ACK flag and nothing after it.
bool LooksLikePureAck(std::span<const uint8_t> ip) {
  if (ip.size() == 40 && (ip[0] == 0x45) && ip[9] == header::ip_proto::kTcp) {
    return ip[20 + 13] == header::tcp_flag::kAck;
  }
  if (ip.size() == 60 && (ip[0] >> 4) == 6 && ip[6] == header::ip_proto::kTcp) {
    return ip[40 + 13] == header::tcp_flag::kAck;
  }
  return false;
}

}  // namespace

size_t MarkSupersededAcks(std::span<const std::span<const uint8_t>> ips,
                          std::span<bool> drop) {
  const size_t n = std::min(ips.size(), kMaxCoalesceBatch);
  // Most batches hold no pure ACK that something after it could
  // supersede (a data burst): find out before parsing everything.
  bool any = false;
  for (size_t i = 0; i + 1 < n && !any; ++i) any = LooksLikePureAck(ips[i]);
  if (!any) return 0;
  std::array<std::optional<AckState>, kMaxCoalesceBatch> states;
  for (size_t i = 0; i < n; ++i) states[i] = ReadAck(ips[i]);
  size_t dropped = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!states[i] || !states[i]->pure) continue;
    for (size_t j = i + 1; j < n; ++j) {
      if (states[j] && Supersedes(*states[j], *states[i])) {
        drop[i] = true;
        ++dropped;
        break;
      }
    }
  }
  return dropped;
}

}  // namespace fdlink::lwip
