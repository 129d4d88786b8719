#include "link/fdbased/tx_group.h"

#include <cerrno>
#include <cstdio>
#include <numeric>
#include <optional>
#include <vector>

#include "fdlink/offload/coalesce.h"
#include "fdlink/offload/gso_split.h"
#include "fdlink/offload/offload_bits.h"
#include "link/fdbased/tx_batch.h"
#include "link/fdbased/tx_frames.h"

namespace fdlink::fdbased {

namespace {

bool IsCoalesce(TxOffload o) {
  return o == TxOffload::kTcpCoalesce || o == TxOffload::kUdpCoalesce;
}

// KernelTakes says whether the fd's kernel side accepts super-packets of
// type t in writes (the TSO/USO bit of that type was negotiated).
bool KernelTakes(const LinkConfig& link, GSOType t) {
  const uint32_t k = link.tx.kernel_offloads;
  if ((k & offload::kTunFCsum) == 0) return false;
  switch (t) {
    case GSOType::kTCPv4:
      return (k & offload::kTunFTso4) != 0;
    case GSOType::kTCPv6:
      return (k & offload::kTunFTso6) != 0;
    case GSOType::kUDPL4:
      return (k & offload::kTunFUso4) != 0 && (k & offload::kTunFUso6) != 0;
    case GSOType::kNone:
      break;
  }
  return false;
}

// Ctx is one WriteGroup call's view of what is allowed.
struct Ctx {
  const LinkConfig& link;
  TxSwitches* switches;
  FdState& fd;
  std::span<const PacketBufferPtr> pkts;
  uint32_t off_here = 0;  // Switches turned off during this call.

  bool On(TxOffload o) const {
    if ((off_here & (1u << static_cast<unsigned>(o))) != 0) return false;
    return switches == nullptr || switches->On(o);
  }
  bool Allowed(GSOType t, bool coalesced) const {
    return link.vnet_header_size > 0 && link.tx.gso_writes &&
           KernelTakes(link, t) && On(TxOffloadFor(t, coalesced));
  }
  // TurnOff turns `o` off after the kernel rejected a write through it,
  // counts the fallback and says so once per endpoint and switch.
  void TurnOff(TxOffload o, const Error& why) {
    off_here |= 1u << static_cast<unsigned>(o);
    (IsCoalesce(o) ? fd.tx_coalesce_fallbacks : fd.tx_gso_fallbacks)
        .fetch_add(1, std::memory_order_relaxed);
    if (switches != nullptr && switches->TurnOff(o)) {
      std::fprintf(stderr,
                   "fdlink: fdbased: the kernel rejected a %s write (%s); %s "
                   "is now off for this endpoint and such packets are "
                   "written %s\n",
                   IsCoalesce(o) ? "coalesced" : "GSO", why.ToString().c_str(),
                   TxOffloadName(o),
                   IsCoalesce(o) ? "one by one" : "split in software");
    }
  }
};

// IsOffloadRejection says whether a failed GSO or coalesced write means
// "this kernel does not take such writes" (fall back) rather than a broken
// fd or a full buffer.
bool IsOffloadRejection(const Error& e) {
  return e.sys_errno == EINVAL || e.sys_errno == EIO || e.sys_errno == EMSGSIZE;
}

// Units are the plan: each unit one coalesce group (several members) or
// one packet.
class Units {
 public:
  explicit Units(Ctx& ctx) {
    const bool tcp = ctx.Allowed(GSOType::kTCPv4, true) ||
                     ctx.Allowed(GSOType::kTCPv6, true);
    const bool udp = ctx.Allowed(GSOType::kUDPL4, true);
    if (ctx.pkts.size() > 1 && (tcp || udp)) {
      offload::Coalescer& c = CoalescerFor(tcp, udp);
      groups_ = c.Plan(ctx.pkts);
      coalescer_ = &c;
      return;
    }
    std::vector<uint32_t>& id = Identity();
    if (id.size() < ctx.pkts.size()) {
      const size_t old = id.size();
      id.resize(ctx.pkts.size());
      std::iota(id.begin() + static_cast<std::ptrdiff_t>(old), id.end(),
                static_cast<uint32_t>(old));
    }
    count_ = ctx.pkts.size();
  }
  size_t size() const {
    return coalescer_ != nullptr ? groups_.size() : count_;
  }
  std::span<const uint32_t> Members(size_t u) const {
    if (coalescer_ != nullptr) return coalescer_->Members(groups_[u]);
    return std::span<const uint32_t>(Identity()).subspan(u, 1);
  }
  const offload::CoalesceGroup* Group(size_t u) const {
    return coalescer_ != nullptr ? &groups_[u] : nullptr;
  }

 private:
  static std::vector<uint32_t>& Identity() {
    thread_local std::vector<uint32_t> id;
    return id;
  }
  // CoalescerFor is the calling thread's coalescer for that mix (a
  // coalescer's config is fixed, and the switches may change).
  static offload::Coalescer& CoalescerFor(bool tcp, bool udp) {
    thread_local std::optional<offload::Coalescer> c[4];
    std::optional<offload::Coalescer>& slot = c[(tcp ? 1 : 0) + (udp ? 2 : 0)];
    if (!slot) {
      slot.emplace(offload::CoalesceConfig{
          .tcp = tcp, .udp = udp, .adjacent_only = true});
    }
    return *slot;
  }

  const offload::Coalescer* coalescer_ = nullptr;
  std::span<const offload::CoalesceGroup> groups_;
  size_t count_ = 0;
};

// Mergeable says whether a planned group may be written as one frame now.
bool Mergeable(const Ctx& ctx, const offload::CoalesceGroup& g,
               std::span<const uint32_t> members) {
  if (members.size() < 2 || g.type == GSOType::kNone) return false;
  if (!ctx.Allowed(g.type, true)) return false;
  for (uint32_t m : members) {
    if (ctx.pkts[m]->gso_options().type != GSOType::kNone) return false;
  }
  return true;
}

enum class Flush { kOk, kRetry, kStop };

// Writer holds one WriteGroup call's progress: the plan position (unit,
// member) of the next packet to build and the result so far.
class Writer {
 public:
  explicit Writer(Ctx& ctx)
      : ctx_(ctx),
        units_(ctx),
        b_(Batch()),
        cap_(static_cast<size_t>(ctx.link.tx.max_syscall_header_bytes)) {
    b_.Clear();
  }

  GroupResult Run() {
    while (true) {
      while (unit_ < units_.size()) {
        if (b_.Full()) {
          if (FlushBatch() == Flush::kStop) return result_;
          continue;
        }
        if (!Step()) return result_;
      }
      const Flush f = FlushBatch();
      if (f == Flush::kStop) return result_;
      if (f == Flush::kOk) return result_;
      // kRetry: a rejected offload; rebuild from the rejected frame.
    }
  }

 private:
  // Step builds frames for the next unit or packet; false means stop.
  bool Step() {
    const std::span<const uint32_t> members = units_.Members(unit_);
    const offload::CoalesceGroup* g = units_.Group(unit_);
    if (member_ == 0 && g != nullptr && Mergeable(ctx_, *g, members)) {
      if (std::optional<GSOType> t =
              AddMergedFrame(b_, ctx_.link, ctx_.pkts, members, *g)) {
        TxFrame& f = Last();
        f.inputs = static_cast<uint32_t>(members.size());
        for (uint32_t m : members) f.bytes += ctx_.pkts[m]->Size();
        f.offloaded = true;
        f.offload = TxOffloadFor(*t, true);
        ++unit_;
        return true;
      }
    }
    PacketBuffer& p = *ctx_.pkts[members[member_]];
    const GSOOptions& g0 = p.gso_options();
    const bool vnet = ctx_.link.vnet_header_size > 0;
    const bool passes_csum = vnet && ctx_.link.tx.checksum_offload;
    const bool super =
        g0.type != GSOType::kNone && offload::SegmentCount(p) > 1;
    const bool whole = super && ctx_.Allowed(g0.type, false);
    if (super && !whole) {
      if (FlushBatch() != Flush::kOk) return !stopped_;
      if (!WriteSplit(p)) return false;
      Advance(members.size());
      return true;
    }
    Result<bool> added = false;
    bool offloaded = false;
    if (!whole && g0.needs_csum && !passes_csum) {
      Result<void> r = AddChecksummedFrame(b_, ctx_.link, p);
      if (!r) added = r.error();
    } else {
      // A super-packet goes out as it is; anything else as one packet,
      // its partial checksum left to the kernel where it completes them.
      GSOOptions enc = g0;
      if (!whole) {
        enc.type = GSOType::kNone;
        enc.needs_csum = g0.needs_csum && passes_csum;
      }
      added = AddPacketFrame(b_, ctx_.link, p, enc);
      offloaded = added && *added;
    }
    if (!added) return Refuse(added.error());
    TxFrame& f = Last();
    f.inputs = 1;
    f.bytes = p.Size();
    f.offloaded = offloaded;
    if (offloaded) f.offload = TxOffloadFor(g0.type, false);
    Advance(members.size());
    return true;
  }

  // Last is the frame just added, located at the current plan position.
  TxFrame& Last() {
    TxFrame& f = b_.back();
    f.unit = static_cast<uint32_t>(unit_);
    f.member = static_cast<uint32_t>(member_);
    return f;
  }

  void Advance(size_t members) {
    if (++member_ == members) {
      ++unit_;
      member_ = 0;
    }
  }

  // Refuse stops at a packet the writer cannot encode: what was built goes
  // out first, the packet is counted in tx_invalid.
  bool Refuse(const Error& e) {
    const Flush f = FlushBatch();
    if (f == Flush::kRetry) return true;  // Rebuilt; refused when reached.
    if (f == Flush::kStop) return false;
    ctx_.fd.tx_invalid.fetch_add(1, std::memory_order_relaxed);
    result_.error = e;
    result_.refused = true;
    return false;
  }

  void Count(const TxFrame& f) {
    if (f.inputs == 0) return;
    result_.written += f.inputs;
    ctx_.fd.tx_packets.fetch_add(f.inputs, std::memory_order_relaxed);
    ctx_.fd.tx_bytes.fetch_add(f.bytes, std::memory_order_relaxed);
    if (f.offloaded && IsCoalesce(f.offload)) {
      ctx_.fd.tx_coalesced.fetch_add(f.inputs, std::memory_order_relaxed);
    }
  }

  // FlushBatch sends the built frames. kRetry: the kernel rejected an
  // offloaded frame; its switch is off and the plan position is back at it.
  Flush FlushBatch() {
    if (b_.size() == 0) return Flush::kOk;
    SendOutcome o = b_.Send(ctx_.fd, 0, cap_);
    for (size_t k = 0; k < o.sent; ++k) Count(b_.frames()[k]);
    if (!o.error) {
      b_.Clear();
      return Flush::kOk;
    }
    const TxFrame& f = b_.frames()[o.sent];
    if (f.offloaded && IsOffloadRejection(*o.error)) {
      ctx_.TurnOff(f.offload, *o.error);
      unit_ = f.unit;
      member_ = f.member;
      b_.Clear();
      return Flush::kRetry;
    }
    result_.error = o.error;
    stopped_ = true;
    b_.Clear();
    return Flush::kStop;
  }

  // WriteSplit writes super-packet p as the wire packets it stands for. It
  // counts as written once its first segment is: the kernel cannot take
  // the others back, so when the fd fills up (or fails) midway the rest
  // are dropped and counted in tx_split_dropped, and the caller never
  // resends a prefix that already went out.
  bool WriteSplit(PacketBuffer& p) {
    thread_local std::vector<PacketBufferPtr> segs;
    segs.clear();
    Result<size_t> n = offload::SplitSuperPacket(p, 0, segs);
    if (!n) {
      segs.clear();
      return Refuse(n.error());
    }
    ctx_.fd.tx_split.fetch_add(1, std::memory_order_relaxed);
    size_t sent = 0;
    size_t i = 0;
    bool ok = true;
    while (i < segs.size()) {
      while (i < segs.size() && !b_.Full()) {
        Result<bool> added = AddPacketFrame(b_, ctx_.link, *segs[i], {});
        if (!added) break;  // Not for an ordinary packet; be safe anyway.
        ++i;
      }
      const size_t built = b_.size();
      SendOutcome o = b_.Send(ctx_.fd, 0, cap_);
      b_.Clear();
      sent += o.sent;
      if (o.error || o.sent < built) {
        if (o.error) result_.error = o.error;
        ok = false;
        break;
      }
    }
    if (sent > 0) {
      TxFrame f;
      f.inputs = 1;
      f.bytes = p.Size();
      Count(f);
      if (sent < segs.size()) {
        ctx_.fd.tx_split_dropped.fetch_add(segs.size() - sent,
                                           std::memory_order_relaxed);
      }
    }
    segs.clear();
    if (!ok) stopped_ = true;
    return ok;
  }

  Ctx& ctx_;
  Units units_;
  TxBatch& b_;
  const size_t cap_;
  size_t unit_ = 0;
  size_t member_ = 0;
  bool stopped_ = false;
  GroupResult result_;
};

}  // namespace

GroupResult WriteGroup(const LinkConfig& link, TxSwitches* switches,
                       FdState& fd, std::span<const PacketBufferPtr> pkts) {
  Ctx ctx{.link = link, .switches = switches, .fd = fd, .pkts = pkts};
  Writer w(ctx);
  return w.Run();
}

}  // namespace fdlink::fdbased
