#include "fdlink/offload/coalesce.h"

#include <cstring>

#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/tcp.h"
#include "offload/flow_table.h"
#include "offload/segment_info.h"

namespace fdlink::offload {
namespace {

using internal::FlowState;
using internal::kNoGroup;
using internal::SegmentInfo;

// SameShape reports whether `c` may sit behind `head` in one super-packet:
// equal IP traits and, for TCP, equal ACK, header length and options.
bool SameShape(const SegmentInfo& head, const SegmentInfo& c) {
  if (head.type != c.type || head.ip_traits != c.ip_traits ||
      head.hop_limit != c.hop_limit || head.l3_len != c.l3_len ||
      head.l4_len != c.l4_len) {
    return false;
  }
  if (c.type == GSOType::kUDPL4) return true;
  // Equal ACK, and the data offset byte with its reserved bits.
  if (head.ack != c.ack ||
      head.header[head.l3_len + 12] != c.header[c.l3_len + 12]) {
    return false;
  }
  const size_t opts = head.l3_len + header::kTcpMinimumSize;
  return std::memcmp(head.header.data() + opts, c.header.data() + opts,
                     head.l4_len - header::kTcpMinimumSize) == 0;
}

bool ProtocolEnabled(const CoalesceConfig& cfg, const SegmentInfo& info) {
  return info.key.protocol == header::ip_proto::kTcp ? cfg.tcp : cfg.udp;
}

}  // namespace

Coalescer::Coalescer(CoalesceConfig cfg)
    : cfg_(cfg), scratch_(std::make_unique<CoalesceScratch>()) {}
Coalescer::~Coalescer() = default;
Coalescer::Coalescer(Coalescer&&) noexcept = default;
Coalescer& Coalescer::operator=(Coalescer&&) noexcept = default;

std::span<const CoalesceGroup> Coalescer::Plan(
    std::span<const PacketBufferPtr> pkts) {
  groups_.clear();
  members_.clear();
  CoalesceScratch& s = *scratch_;
  s.flows.Reset();
  s.next.assign(pkts.size(), kNoGroup);
  SegmentInfo& c = s.info;

  for (uint32_t i = 0; i < pkts.size(); ++i) {
    internal::Inspect(*pkts[i], cfg_.verify_checksums, c);
    FlowState* f = nullptr;
    if (c.has_key && ProtocolEnabled(cfg_, c)) {
      f = s.flows.FindOrAdd(c.key, c.key.Hash());
    }
    if (f != nullptr && c.mergeable && f->group != kNoGroup) {
      CoalesceGroup& g = groups_[f->group];
      const bool tcp = c.type != GSOType::kUDPL4;
      const bool fits =
          (!cfg_.adjacent_only || f->group + 1 == groups_.size()) &&
          g.count < cfg_.max_segments && c.payload_len <= g.gso_size &&
          size_t{c.l3_len} + c.l4_len + g.payload_bytes + c.payload_len <=
              cfg_.max_ip_size &&
          (!tcp || c.seq == f->next_seq) && SameShape(f->head, c);
      if (fits) {
        s.next[f->tail] = i;
        f->tail = i;
        ++g.count;
        g.type = c.type;
        g.payload_bytes += c.payload_len;
        f->next_seq = c.seq + c.payload_len;
        const bool push = tcp && (c.tcp_flags & header::tcp_flag::kPsh) != 0;
        g.push = push;
        if (push || c.payload_len < g.gso_size ||
            g.count >= cfg_.max_segments) {
          f->group = kNoGroup;  // Closed: the flow's next packet starts anew.
        }
        continue;
      }
    }
    // A group of its own. It becomes its flow's open group when it may
    // grow; any other packet of the flow closes the flow's group, so no
    // later packet can jump ahead of it.
    CoalesceGroup g;
    g.first = i;  // The head's packet index until the layout below.
    g.count = 1;
    g.gso_size = static_cast<uint16_t>(
        c.mergeable && c.payload_len <= 0xffff ? c.payload_len : 0);
    g.payload_bytes = c.mergeable ? c.payload_len : 0;
    groups_.push_back(g);
    if (f != nullptr) {
      const bool open = c.mergeable && g.gso_size != 0 &&
                        (c.tcp_flags & header::tcp_flag::kPsh) == 0 &&
                        cfg_.max_segments > 1;
      f->group = open ? static_cast<uint32_t>(groups_.size() - 1) : kNoGroup;
      if (open) {
        f->tail = i;
        f->next_seq = c.seq + c.payload_len;
        f->head = c;
      }
    }
  }

  // Lay the member chains out group by group.
  for (CoalesceGroup& g : groups_) {
    uint32_t at = g.first;
    g.first = static_cast<uint32_t>(members_.size());
    for (; at != kNoGroup; at = s.next[at]) members_.push_back(at);
    if (g.count == 1) g.type = GSOType::kNone;
  }
  return groups_;
}

std::span<const uint32_t> Coalescer::Members(const CoalesceGroup& g) const {
  return std::span<const uint32_t>(members_).subspan(g.first, g.count);
}

}  // namespace fdlink::offload
