#include "fdlink/lwip/netif_adapter.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <utility>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/lwip/nat_rewrite.h"
#include "fdlink/lwip/stack.h"
#include "lwip/adapter_packets.h"
#include "lwip/connection_callbacks.h"
#include "lwip/lwip_headers.h"

namespace fdlink::lwip {

namespace {

constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
constexpr uint8_t kTcpAck = 0x10;

FlowAddr FromLwip(const ip_addr_t& a, uint16_t port) {
  FlowAddr f;
  f.port = port;
  if (IP_IS_V6_VAL(a)) {
    std::memcpy(f.ip.data(), ip_2_ip6(&a)->addr, 16);
    f.v6 = true;
  } else {
    std::memcpy(f.ip.data(), &ip_2_ip4(&a)->addr, 4);
  }
  return f;
}

// DstOf reads the destination address of an IP packet too short or odd
// for ParseFlow; false if it has none.
bool DstOf(std::span<const uint8_t> ip, FlowAddr* out) {
  if (ip.empty()) return false;
  if ((ip[0] >> 4) == 4 && ip.size() >= 20) {
    std::memcpy(out->ip.data(), ip.data() + 16, 4);
    out->v6 = false;
    return true;
  }
  if ((ip[0] >> 4) == 6 && ip.size() >= 40) {
    std::memcpy(out->ip.data(), ip.data() + 24, 16);
    out->v6 = true;
    return true;
  }
  return false;
}

// ForEachPcbOnPort calls fn(pcb) for every active and TIME-WAIT pcb
// whose local port is `port`; fn may abort the pcb it is given.
template <typename Fn>
void ForEachPcbOnPort(uint16_t port, Fn fn) {
  for (tcp_pcb* list : {tcp_active_pcbs, tcp_tw_pcbs}) {
    for (tcp_pcb* p = list; p != nullptr;) {
      tcp_pcb* next = p->next;
      if (p->local_port == port) fn(p);
      p = next;
    }
  }
}

// PoolKey is the key of a pool side (a translated source) in a set.
FlowKey PoolKey(const FlowAddr& a) { return FlowKey{0, a, {}}; }

}  // namespace

// AdapterCallbacks holds the functions lwIP calls for an adapter's netif,
// listener and tick, with core_lock held; `state`/arg is the adapter.
struct AdapterCallbacks {
  static err_t Init(netif* n) {
    auto* a = static_cast<NetifAdapter*>(n->state);
    n->name[0] = 'f';
    n->name[1] = 'd';
    n->output = &Output4;
    n->output_ip6 = &Output6;
    // With send_super lwIP's segments are larger than the link's MTU and
    // must not be fragmented: its netif has none (the MSS it offers is
    // then TCP_MSS, and the client's own, from the same link, bounds it).
    n->mtu = a->config_.send_super != 0 ? 0
                                        : static_cast<u16_t>(std::min<uint32_t>(
                                              a->endpoint_->MTU(), 65535));
#if LWIP_ND6_ALLOW_RA_UPDATES
    n->mtu6 = n->mtu;
#endif
    return ERR_OK;
  }
  static err_t Output4(netif* n, pbuf* p, const ip4_addr_t*) {
    core_lock.AssertHeld();
    static_cast<NetifAdapter*>(n->state)->Output(p);
    return ERR_OK;
  }
  static err_t Output6(netif* n, pbuf* p, const ip6_addr_t*) {
    core_lock.AssertHeld();
    static_cast<NetifAdapter*>(n->state)->Output(p);
    return ERR_OK;
  }
  static err_t Accept(void* arg, tcp_pcb* pcb, err_t err) {
    core_lock.AssertHeld();
    if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
    auto* a = static_cast<NetifAdapter*>(arg);
    switch (a->Accept(pcb)) {
      case NetifAdapter::AcceptOutcome::kKept:
        return ERR_OK;
      case NetifAdapter::AcceptOutcome::kRefused:
        tcp_abort(pcb);
        return ERR_ABRT;
      case NetifAdapter::AcceptOutcome::kAborted:
        return ERR_ABRT;  // The user aborted it in OnAccept.
    }
    return ERR_OK;
  }
  static void Tick(void* arg) {
    core_lock.AssertHeld();
    auto* a = static_cast<NetifAdapter*>(arg);
    {
      NetifAdapter::OutputBatch batch(*a);
      a->Tick();
    }
    if (a->started_) {
      sys_timeout(static_cast<u32_t>(a->config_.tick.count()), &Tick, a);
    }
  }
};

NetifAdapter::NetifAdapter(LinkEndpoint* endpoint, const AdapterConfig& config,
                           NatTable nat)
    : endpoint_(endpoint),
      config_(config),
      netif_(std::make_unique<netif>()),
      nat_(std::move(nat)) {}

Result<std::unique_ptr<NetifAdapter>> NetifAdapter::Create(
    LinkEndpoint* endpoint, const AdapterConfig& config) {
  if (endpoint == nullptr || endpoint->MaxHeaderLength() != 0) {
    return Error{Errc::kInvalidArgument, 0,
                 "lwip: the endpoint must carry IP without a link header"};
  }
  if (config.send_super > 0xffff ||
      (config.send_super != 0 && config.send_super < 1280)) {
    return Error{Errc::kInvalidArgument, 0,
                 "lwip: send_super must be 0 (off) or 1280 to 65535 bytes"};
  }
  if (config.send_buffer != 0 &&
      (config.send_buffer < 0xffff || config.send_buffer > kMaxSendBuffer)) {
    return Error{Errc::kInvalidArgument, 0,
                 "lwip: send_buffer must be 0 (lwIP's 65535) or 65535 to "
                 "16777216 bytes"};
  }
  if (config.receive_window != 0 &&
      (config.receive_window < 0xffff ||
       config.receive_window > kMaxReceiveWindow)) {
    return Error{Errc::kInvalidArgument, 0,
                 "lwip: receive_window must be 0 (lwIP's 65535) or 65535 to "
                 "131070 bytes"};
  }
  Result<NatTable> nat = NatTable::Create(config.nat);
  if (!nat) return nat.error();
  Stack::Get();
  std::unique_ptr<NetifAdapter> a(
      new NetifAdapter(endpoint, config, std::move(*nat)));
  CoreLockGuard g;
  if (Result<void> r = a->Start(); !r) return r.error();
  return a;
}

Result<void> NetifAdapter::Start() {
  std::memset(netif_.get(), 0, sizeof(netif));
  ip4_addr_t addr, mask, gw;
  std::memcpy(&addr.addr, config_.nat.local4.bytes().data(), 4);
  std::memcpy(&mask.addr, config_.netmask4.bytes().data(), 4);
  gw.addr = 0;
  if (netif_add(netif_.get(), &addr, &mask, &gw, this, &AdapterCallbacks::Init,
                &ip_input) == nullptr) {
    return Error{Errc::kNoBufferSpace, 0, "lwip: netif_add"};
  }
  ip6_addr_t a6;
  std::memset(&a6, 0, sizeof(a6));
  std::memcpy(a6.addr, config_.nat.local6.bytes().data(), 16);
  s8_t index = -1;
  if (netif_add_ip6_address(netif_.get(), &a6, &index) != ERR_OK) {
    netif_remove(netif_.get());
    return Error{Errc::kNoBufferSpace, 0, "lwip: netif_add_ip6_address"};
  }
  netif_ip6_addr_set_state(netif_.get(), index, IP6_ADDR_PREFERRED);
  netif_set_up(netif_.get());
  netif_set_link_up(netif_.get());
  if (netif_default == nullptr) netif_set_default(netif_.get());

  tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
  if (pcb == nullptr ||
      tcp_bind(pcb, IP_ANY_TYPE, config_.nat.listen_port) != ERR_OK) {
    if (pcb != nullptr) tcp_close(pcb);
    netif_remove(netif_.get());
    return Error{Errc::kNoBufferSpace, 0, "lwip: listener bind"};
  }
  listener_ = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
  if (listener_ == nullptr) {
    tcp_close(pcb);
    netif_remove(netif_.get());
    return Error{Errc::kNoBufferSpace, 0, "lwip: tcp_listen"};
  }
  tcp_arg(listener_, this);
  tcp_accept(listener_, &AdapterCallbacks::Accept);
  started_ = true;
  sys_timeout(static_cast<u32_t>(config_.tick.count()), &AdapterCallbacks::Tick,
              this);
  return {};
}

void NetifAdapter::Stop() {
  if (!started_) return;
  started_ = false;
  sys_untimeout(&AdapterCallbacks::Tick, this);
  DropHeld();
  for (std::unique_ptr<Connection>& c : conns_) c->Abort();
  conns_.clear();
  tcp_arg(listener_, nullptr);
  tcp_accept(listener_, nullptr);
  tcp_close(listener_);
  listener_ = nullptr;
  AbortLeftoverPcbs();
  netif_remove(netif_.get());
  on_accept_ = nullptr;
  on_syn_ = nullptr;
  on_udp_ = nullptr;
  on_batch_end_ = nullptr;
}

void NetifAdapter::AbortLeftoverPcbs() {
  // Connections the user closed stay lwIP's until they finish closing
  // (FIN-WAIT, LAST-ACK, TIME-WAIT: up to two MSLs). With the netif gone
  // they cannot finish, and they would keep the listener's port bound for
  // the next adapter: abort them (a TIME-WAIT pcb is freed silently; the
  // others send their RST while the netif is still there).
  const ip_addr_t* a4 = netif_ip_addr4(netif_.get());
  const ip_addr_t* a6 = netif_ip_addr6(netif_.get(), 0);
  ForEachPcbOnPort(config_.nat.listen_port, [&](tcp_pcb* p) {
    if (ip_addr_cmp(&p->local_ip, a4) || ip_addr_cmp(&p->local_ip, a6)) {
      tcp_arg(p, nullptr);
      tcp_abort(p);
    }
  });
}

void NetifAdapter::AbortEndedPcbs(const std::vector<FlowAddr>& ended) {
  // A closed connection's pcb outlives its mapping only when the peer's
  // last ACK was lost (LAST-ACK, FIN-WAIT, CLOSING) or in TIME-WAIT:
  // without the mapping nothing it sends arrives, so abort it. Only pcbs
  // the user let go of (no Connection: callback arg null) are touched.
  if (ended.empty()) return;
  std::unordered_set<FlowKey, FlowKeyHash> gone;
  for (const FlowAddr& a : ended) gone.insert(PoolKey(a));
  ForEachPcbOnPort(config_.nat.listen_port, [&](tcp_pcb* p) {
    core_lock.AssertHeld();  // The tick's, still held.
    if (p->callback_arg == nullptr &&
        gone.contains(PoolKey(FromLwip(p->remote_ip, p->remote_port)))) {
      tcp_abort(p);
      ++counters_.pcbs_aborted;
    }
  });
}

void NetifAdapter::LingerOrphans(Clock::time_point now) {
  // Entries end on the FINs and RSTs the adapter sees, but lwIP frees a
  // pcb without sending either when a timer gives up on it; the entry
  // would then never end. Any pcb on the listener's port keeps its
  // entry (a pool side is unique among the open entries).
  live_.clear();
  ForEachPcbOnPort(config_.nat.listen_port, [&](tcp_pcb* p) {
    core_lock.AssertHeld();  // The tick's, still held.
    live_.insert(PoolKey(FromLwip(p->remote_ip, p->remote_port)));
  });
  nat_.LingerOrphans(
      [&](const NatEntry& e) {
        core_lock.AssertHeld();
        return held_.contains(e.id) ||
               live_.contains(PoolKey(e.translated_src));
      },
      now);
}

NetifAdapter::~NetifAdapter() { Detach(); }

void NetifAdapter::OnAccept(AcceptFn fn) {
  CoreLockGuard g;
  on_accept_ = std::move(fn);
}

void NetifAdapter::OnSyn(SynFn fn) {
  CoreLockGuard g;
  on_syn_ = std::move(fn);
}

void NetifAdapter::OnUdp(UdpFn fn) {
  CoreLockGuard g;
  on_udp_ = std::move(fn);
}

void NetifAdapter::OnBatchEnd(BatchEndFn fn) {
  CoreLockGuard g;
  on_batch_end_ = std::move(fn);
}

void NetifAdapter::Attach() {
  endpoint_->Attach(this);
  attached_ = true;
}

void NetifAdapter::DetachEndpoint() {
  if (attached_) {
    endpoint_->Attach(nullptr);
    attached_ = false;
  }
}

void NetifAdapter::Detach() {
  // Without core_lock: an endpoint thread may be blocked on it inside
  // DeliverNetworkPacket, and Attach(nullptr) waits for it to leave.
  DetachEndpoint();
  CoreLockGuard g;
  Stop();
}

bool NetifAdapter::IsLocal(const FlowAddr& a) const {
  if (a.v6) {
    return std::memcmp(a.ip.data(), config_.nat.local6.bytes().data(), 16) == 0;
  }
  return std::memcmp(a.ip.data(), config_.nat.local4.bytes().data(), 4) == 0;
}

bool NetifAdapter::TranslateInbound(std::span<uint8_t> ip) {
  std::optional<ParsedFlow> f = ParseFlow(ip);
  if (f && !IsLocal(f->key.dst)) {
    if (f->key.proto == header::ip_proto::kUdp) {
      DeliverUdp(ip, *f);
      return false;
    }
    return TranslateTcp(ip, *f);
  }
  FlowAddr dst;
  if (f) dst = f->key.dst;
  if ((f || DstOf(ip, &dst)) && IsLocal(dst)) {
    ++counters_.rx_local;
    return true;
  }
  if (IsUdpFragment(ip)) {
    ++counters_.udp_dropped;
    return false;
  }
  ++counters_.rx_other;
  return false;
}

bool NetifAdapter::TranslateTcp(std::span<uint8_t> ip, const ParsedFlow& f) {
  const Clock::time_point now = Clock::now();
  NatEntry* e = nat_.FindOriginal(f.key);
  const bool pure_syn =
      (f.tcp_flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;
  if (e != nullptr && e->closing && pure_syn) {
    // A new connection on a closed flow's 4-tuple (the client reused a
    // port still in TIME-WAIT): the lingering entry gives way, as
    // conntrack's does, and the new flow gets a fresh pool pair (the
    // table's cursor goes round the pool before reusing one), so it never
    // meets the old connection's pcb inside lwIP.
    nat_.Remove(e);
    ++counters_.rx_reopened;
    e = nullptr;
  }
  if (e == nullptr) {
    if (!pure_syn) {
      ++counters_.rx_unmapped;
      return false;
    }
    e = nat_.Open(f.key, now);
    if (e == nullptr) {
      ++counters_.rx_refused;
      SendReset(f.key.dst, f.key.src, TcpSeq(ip, f) + 1);
      return false;
    }
    if (on_syn_) {
      Hold(ip, f, *e, now);
      return false;
    }
  } else if (!held_.empty()) {
    if (auto it = held_.find(e->id); it != held_.end()) {
      // Held: a retransmitted SYN is absorbed, an RST ends the flow.
      if ((f.tcp_flags & kTcpRst) != 0) {
        held_.erase(it);
        nat_.Remove(e);
      } else if ((f.tcp_flags & kTcpSyn) != 0) {
        ++counters_.syn_absorbed;
      } else {
        ++counters_.rx_unmapped;
      }
      return false;
    }
  }
  const FlowAddr src = e->translated_src;
  const FlowAddr dst = e->translated_dst;
  (void)nat_.OnTcpInbound(e, f.tcp_flags, now);  // May remove e.
  RewriteFlow(ip, f, src, dst);
  ++counters_.rx_translated;
  return true;
}

void NetifAdapter::DeliverNetworkPacket(NetworkProtocolNumber,
                                        PacketBufferPtr pkt) {
  CoreLockGuard g;
  OutputBatch batch(*this);
  DeliverLocked(*pkt);
}

void NetifAdapter::DeliverLocked(PacketBuffer& pkt) {
  ++counters_.rx_packets;
  if (!started_) {
    ++counters_.rx_other;
    return;
  }
  if (pkt.gso_options().type != GSOType::kNone) {
    DeliverSuperLocked(pkt);
    return;
  }
  DeliverWireLocked(pkt);
}

void NetifAdapter::DeliverWireLocked(PacketBuffer& pkt) {
  std::span<uint8_t> ip = pkt.NetworkPacket();
  if (ip.empty() || ip.size() > 0xffff) {
    ++counters_.rx_other;
    return;
  }
  if (AnswerEcho(ip)) return;
  if (!TranslateInbound(ip)) return;
  Feed(ip);
}

void NetifAdapter::Feed(std::span<const uint8_t> ip) {
  // lwIP copies: its pbufs are malloc'd (Debian builds MEM_LIBC_MALLOC).
  pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(ip.size()), PBUF_RAM);
  if (p == nullptr) {
    ++counters_.rx_no_memory;
    return;
  }
  pbuf_take(p, ip.data(), static_cast<u16_t>(ip.size()));
  if (netif_->input(p, netif_.get()) != ERR_OK) pbuf_free(p);
}

PacketBufferPtr NetifAdapter::NewPacket(std::span<const uint8_t> ip) const {
  PacketBufferOptions opts;
  opts.reserve_header_bytes = endpoint_->MaxHeaderLength();
  opts.payload = ip;
  return PacketBuffer::Create(opts);
}

Result<void> NetifAdapter::Transmit(PacketBufferPtr pkt) {
  std::span<uint8_t> ip = pkt->NetworkPacket();
  pkt->set_network_protocol((!ip.empty() && (ip[0] >> 4) == 6)
                                ? kIPv6ProtocolNumber
                                : kIPv4ProtocolNumber);
  FlushOutput();  // What lwIP queued goes first.
  ++counters_.tx_writes;
  Result<size_t> n =
      endpoint_->WritePackets(std::span<const PacketBufferPtr>(&pkt, 1));
  if (n && *n == 1) {
    ++counters_.tx_packets;
    return {};
  }
  ++counters_.tx_dropped;
  if (!n) return n.error();
  return Errc::kWouldBlock;
}

void NetifAdapter::Output(pbuf* p) {
  const size_t len = p->tot_len;
  std::span<const uint8_t> bytes;
  if (p->next == nullptr) {
    bytes = std::span<const uint8_t>(static_cast<const uint8_t*>(p->payload),
                                     p->len);
  } else {
    pbuf_copy_partial(p, scratch_.data(), static_cast<u16_t>(len), 0);
    bytes = std::span<const uint8_t>(scratch_.data(), len);
  }
  PacketBufferPtr pkt = NewPacket(bytes);
  std::span<uint8_t> ip = pkt->Contiguous();
  std::optional<ParsedFlow> f = ParseFlow(ip);
  if (f) {
    NatEntry* e = nat_.FindTranslated(f->key.proto, f->key.dst);
    if (e == nullptr || !(f->key.src == e->translated_dst)) {
      ++counters_.tx_unmapped;
      return;
    }
    const FlowAddr src = e->original.dst;
    const FlowAddr dst = e->original.src;
    if (f->key.proto == header::ip_proto::kTcp) {
      (void)nat_.OnTcpOutbound(e, f->tcp_flags, Clock::now());
    }
    RewriteFlow(ip, *f, src, dst);
    ++counters_.tx_translated;
    if (f->key.proto == header::ip_proto::kTcp && e->wire_mss != 0) {
      MarkSuper(*pkt, ip, *f, e->wire_mss);  // If more than one segment.
    }
  }
  TransmitOutput(std::move(pkt));  // A failure is counted in tx_dropped.
}

NetifAdapter::AcceptOutcome NetifAdapter::Accept(tcp_pcb* pcb) {
  const FlowAddr remote = FromLwip(pcb->remote_ip, pcb->remote_port);
  NatEntry* e = nat_.FindTranslated(header::ip_proto::kTcp, remote);
  if (e == nullptr || !started_) return AcceptOutcome::kRefused;
  if (config_.send_super != 0) RaiseMss(pcb, e);
  std::unique_ptr<Connection> c(
      new Connection(pcb, e->original.src, e->original.dst));
  if (on_syn_) c->flow_id_ = e->id;
  RaiseBuffers(*c);
  ConnectionCallbacks::Hook(c.get());
  Connection* raw = c.get();
  conns_.push_back(std::move(c));
  ++counters_.accepted;
  if (on_accept_) {
    on_accept_(*raw);
  } else {
    raw->Close();
  }
  return raw->aborted_in_callback_ ? AcceptOutcome::kAborted
                                   : AcceptOutcome::kKept;
}

void NetifAdapter::Tick() {
  const Clock::time_point now = Clock::now();
  ExpireHeld(now);
  LingerOrphans(now);
  nat_.Expire(now);
  AbortEndedPcbs(nat_.TakeEndedTcp());
  size_t kept = 0;
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i]->open()) conns_[kept++] = std::move(conns_[i]);
  }
  conns_.resize(kept);
}

AdapterCounters NetifAdapter::Counters() const {
  CoreLockGuard g;
  return counters_;
}

NatCounters NetifAdapter::TranslationCounters() const {
  CoreLockGuard g;
  return nat_.counters();
}

size_t NetifAdapter::OpenConnections() const {
  CoreLockGuard g;
  size_t n = 0;
  for (const std::unique_ptr<Connection>& c : conns_) n += c->open() ? 1 : 0;
  return n;
}

void NetifAdapter::ExpireNow() {
  CoreLockGuard g;
  OutputBatch batch(*this);
  Tick();
}

}  // namespace fdlink::lwip
