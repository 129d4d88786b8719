// NetifAdapter: lwIP as the network stack of one LinkEndpoint, terminating
// TCP connections to any destination through address translation.
#ifndef FDLINK_LWIP_NETIF_ADAPTER_H_
#define FDLINK_LWIP_NETIF_ADAPTER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/lwip/connection.h"
#include "fdlink/lwip/core_lock.h"
#include "fdlink/lwip/nat_rewrite.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/stack/link_endpoint.h"

struct netif;
struct pbuf;
struct tcp_pcb;

namespace fdlink::lwip {

// AdapterConfig configures a NetifAdapter. nat.local4/local6 become the
// lwIP netif's addresses and nat.listen_port its one TCP listener; the
// source pools must be routable to the netif (inside netmask4's subnet of
// local4, and the /64 of local6), or the netif must be lwIP's default.
struct AdapterConfig {
  NatConfig nat;
  header::Ipv4Address netmask4;
  // tick is how often expired translation entries and ended connections
  // are cleaned up (on lwIP's tcpip thread).
  std::chrono::milliseconds tick{250};
  // syn_timeout bounds how long a SYN is held for a SynFn decision.
  std::chrono::milliseconds syn_timeout{10000};
  // batch turns batching on (the default): a receive batch under one
  // core_lock hold, lwIP's output queued in OutputBatch scopes. Off, every
  // packet takes the lock and every output packet is its own WritePackets
  // call (OutputBatch scopes do nothing): for measuring what batching
  // gains.
  bool batch = true;
  // coalesce_acks leaves superseded pure ACKs out of each output batch
  // (see OutputBatch; the default). Off, every ACK lwIP makes is written.
  bool coalesce_acks = true;
  // merge_tcp takes TCP super-packets (the kernel's GSO through a TUN's
  // virtio-net header, or the endpoint's software GRO) whole and feeds
  // each to lwIP as one segment, as the kernel's GRO hands its TCP one
  // merged segment (the default): one pbuf, one checksum pass and one
  // ACK decision per super-packet instead of per wire segment. Off, the
  // endpoint splits them into wire packets first.
  bool merge_tcp = true;
  // send_super lets lwIP send segments of up to send_super bytes (IP
  // packet size, at most 65,535; 0: off, the default) and writes each one
  // that carries more than one of the client's segments as a TCP
  // super-packet cut at the client's MSS: the endpoint hands it to the kernel
  // with a virtio-net header (host GSO) or splits it in software. Each accepted
  // pcb's MSS is raised to it (the client's own MSS is kept as the segment
  // size), with Nagle off, and lwIP's netif has no MTU (lwIP would fragment
  // instead). Use it when the endpoint writes super-packets to the kernel.
  uint32_t send_super = 0;
  // send_buffer is each accepted connection's send buffer in bytes: how
  // many bytes Connection::Write takes that the client has not yet
  // acknowledged (0: lwIP's build's TCP_SND_BUF, 65,535, the default;
  // otherwise 65,535 to kMaxSendBuffer). With 64 KiB a fast sender waits
  // for the client's ACK, which the client's kernel sends only once its
  // application has read, every 64 KiB; a larger buffer keeps the path
  // full. It bounds what lwIP holds per connection (also bounded by lwIP's
  // TCP_SND_QUEUELEN, 180 segments of the connection's MSS). The initial
  // slow-start threshold is raised to it too.
  uint32_t send_buffer = 0;
  // receive_window is each accepted connection's receive window in bytes:
  // how many received bytes the user may hold unconsumed before the client
  // must wait (0: lwIP's build's TCP_WND, 65,535, the default; otherwise
  // 65,535 to kMaxReceiveWindow). With 64 KiB the client's kernel sends one
  // window and waits a round trip through the endpoint for lwIP's ACK; a
  // larger one keeps the path full. It applies to clients that offer window
  // scaling (RFC 7323; Linux does): lwIP's window field cannot say more
  // than 65,535 to others.
  uint32_t receive_window = 0;
};

// kMaxSendBuffer is the largest AdapterConfig::send_buffer (16 MiB).
inline constexpr uint32_t kMaxSendBuffer = 16u << 20;
// kMaxReceiveWindow is the largest AdapterConfig::receive_window: the most
// lwIP's 16-bit window field announces at its build's window scale of 1.
inline constexpr uint32_t kMaxReceiveWindow = 0xffffu << 1;

// AdapterCounters are a NetifAdapter's packet counters.
struct AdapterCounters {
  uint64_t rx_packets = 0;     // Delivered by the endpoint.
  uint64_t rx_translated = 0;  // Rewritten and passed to lwIP.
  uint64_t rx_local = 0;       // For the netif's own address, passed as is.
  uint64_t rx_unmapped = 0;    // TCP/UDP of no flow, not a SYN: dropped.
  uint64_t rx_refused = 0;     // A SYN over the translation cap: an RST.
  uint64_t rx_reopened = 0;    // A SYN on a closing flow's 4-tuple: a new flow.
  uint64_t rx_other = 0;       // Neither translatable nor local: dropped.
  uint64_t rx_no_memory = 0;   // lwIP could not allocate a pbuf: dropped.
  // Super-packets (merge_tcp): TCP ones fed to lwIP whole, the wire
  // segments they stand for, others split here (UDP), and ones whose
  // headers do not match their GSO metadata (dropped).
  uint64_t rx_merged = 0;
  uint64_t rx_merged_segments = 0;
  uint64_t rx_split = 0;
  uint64_t rx_malformed = 0;
  uint64_t tx_packets = 0;     // Written to the endpoint.
  uint64_t tx_translated = 0;  // Of those, rewritten back.
  uint64_t tx_unmapped = 0;    // lwIP's TCP/UDP of no entry: dropped.
  uint64_t tx_dropped = 0;     // The endpoint would block or failed.
  uint64_t tx_super = 0;       // Written as super-packets (send_super).
  uint64_t accepted = 0;       // Connections handed to OnAccept.
  // Connect-first (OnSyn) and the packets the adapter answers itself.
  uint64_t syn_held = 0;           // SYNs held for a SynFn decision.
  uint64_t syn_refused = 0;        // Flows refused (RefuseFlow, or a timeout).
  uint64_t syn_absorbed = 0;       // Retransmitted SYNs of held flows.
  uint64_t rst_sent = 0;           // RSTs the adapter built (refused, cap).
  uint64_t udp_rx = 0;             // Datagrams handed to OnUdp.
  uint64_t udp_tx = 0;             // Datagrams SendUdp wrote.
  uint64_t udp_dropped = 0;        // UDP of no handler, over the cap, or bad.
  uint64_t icmp_echo_replied = 0;  // Echo requests answered (any address).
  // Batching (OutputBatch, DeliverNetworkPackets).
  uint64_t tx_writes = 0;   // WritePackets calls (one per flush or packet).
  uint64_t tx_batched = 0;  // lwIP's packets queued in an OutputBatch.
  uint64_t rx_batches = 0;  // DeliverNetworkPackets calls (one lock each).
  // Pure ACKs of lwIP's left out of a batch because a later segment of the
  // same flow in it acknowledges more (see OutputBatch).
  uint64_t tx_acks_coalesced = 0;
  // Closed connections' pcbs aborted when their mapping ended (the
  // client's last ACK was lost, or TIME-WAIT).
  uint64_t pcbs_aborted = 0;
};

// NetifAdapter is the NetworkDispatcher of one LinkEndpoint with an IP
// link (no link header: a TUN, or a socketpair carrying IP): packets the
// endpoint's threads deliver go straight into lwIP (its netif input,
// called under core_lock on the delivering thread, not through tcpip's
// mailbox), and lwIP's output goes out through the endpoint's
// WritePackets, never waiting for the endpoint (a would-block is a
// counted drop; TCP retransmits).
//
// Translation: a TCP SYN from (src, sport) to any (dst, dport) opens a
// NatTable entry; inside lwIP the flow becomes (pool address, pool port)
// -> (local address, listen_port), and lwIP's replies are translated
// back, with exact checksum updates. Each accepted connection is handed
// to OnAccept with its original addresses. A SYN over the table's cap is
// answered with an RST (the client's connect fails at once).
//
// Super-packets (AdapterConfig::merge_tcp, TakesSuperPackets()): a TCP
// super-packet is copied once into one pbuf, its checksum completed, and
// handed to lwIP as a single segment larger than lwIP's MSS (lwIP accepts
// any in-window segment; its IP length must fit 65,535 bytes, which the
// kernel's and the endpoint's super-packets do). Other super-packets
// (UDP) are split here into their datagrams.
//
// Answered by the adapter itself, never by lwIP: UDP to any destination
// (handed to OnUdp, replies through SendUdp; fragmented datagrams and bad
// checksums are dropped and counted), and ICMP/ICMPv6 echo requests to
// any address, which get an echo reply from that address (answered
// locally, not forwarded; counted in icmp_echo_replied).
//
// Allocation: Debian's lwIP is built with MEM_LIBC_MALLOC/MEMP_MEM_MALLOC,
// so lwIP mallocs a pbuf for every packet that enters it and for every
// segment it sends; that is lwIP's, not the adapter's (the adapter's own
// packets come from the PacketBuffer pool). A held SYN is one copy per
// held flow.
//
// Batching: a receive batch (DeliverNetworkPackets) is handled under one
// core_lock hold, and lwIP's output produced inside an OutputBatch scope
// (the receive batch, AdmitFlow and the tick open one; a user may open
// one around a burst of Connection::Write calls) is written with one
// WritePackets call when the scope closes, so the endpoint's TX
// coalescing sees a flow's consecutive segments together.
//
// Threading and locks: see core_lock.h. DeliverNetworkPacket takes
// core_lock; lwIP's callbacks (accept, the Connection callbacks, the
// netif output) run with it held. Attach and Detach must be called
// without it (Detach waits for the endpoint's threads, which may be
// blocked on it): they are EXCLUDES(core_lock).
class NetifAdapter : public NetworkDispatcher {
 public:
  // AcceptFn gets each accepted connection, under core_lock; it sets the
  // Connection's callbacks (or closes it). Without one, connections are
  // closed on accept.
  using AcceptFn = std::function<void(Connection&)>;

  // Create starts lwIP (Stack::Get), adds a netif for `endpoint` (borrowed:
  // it must outlive the adapter) with the configured addresses and MTU
  // endpoint->MTU(), and listens on nat.listen_port. It does not attach.
  // Errors: Errc::kInvalidArgument for a bad NatConfig or an endpoint with
  // a link header (Ethernet is not supported yet), Errc::kNoBufferSpace if
  // lwIP fails to add the netif or listener.
  [[nodiscard]] static Result<std::unique_ptr<NetifAdapter>> Create(
      LinkEndpoint* endpoint, const AdapterConfig& config) EXCLUDES(core_lock);
  // The destructor detaches (see Detach) and removes the netif and
  // listener from lwIP.
  ~NetifAdapter() override EXCLUDES(core_lock);
  NetifAdapter(const NetifAdapter&) = delete;
  NetifAdapter& operator=(const NetifAdapter&) = delete;

  // SynFn hears of each new inbound TCP flow before lwIP does (connect
  // first): `src` and `dst` are the client's original addresses, `id` the
  // flow's. It runs under core_lock on an endpoint thread and must not
  // block: it starts the outbound connect and returns. The SYN is held
  // (the client's retransmissions are absorbed) until the user calls
  // AdmitFlow (lwIP then completes the handshake and OnAccept gets the
  // Connection, whose flow_id() is `id`) or RefuseFlow (the client gets an
  // RST); a flow neither admitted nor refused within syn_timeout is
  // refused (on the tick). SynFn must not call AdmitFlow or RefuseFlow
  // itself (they take core_lock, which it holds): decide later, from
  // another thread. Without a SynFn every SYN is admitted at once.
  using SynFn =
      std::function<void(const FlowAddr& src, const FlowAddr& dst, FlowId id)>;
  // UdpFn gets each inbound UDP datagram to any destination, under
  // core_lock on an endpoint thread (must not block): `src` the client,
  // `dst` its original destination, `payload` valid only during the call.
  // UDP never enters lwIP; the adapter tracks each flow in the translation
  // table (udp_idle lifetime, the cap) and answers with SendUdp.
  using UdpFn = std::function<void(const FlowAddr& src, const FlowAddr& dst,
                                   std::span<const uint8_t> payload)>;

  // kOutputBatchMax bounds an OutputBatch's pending list: when it is full
  // the list is written at once and the scope goes on.
  static constexpr size_t kOutputBatchMax = 64;

  // OutputBatch is an output batch scope (RAII): while one is open on an
  // adapter, lwIP's output through that adapter (the segments of
  // Connection::Write/Close/Recved, ACKs, SYN-ACKs) is appended to the
  // adapter's bounded pending list of pooled packets instead of written
  // one WritePackets call each; when the outermost scope closes the list
  // is written with one WritePackets call (early, too, whenever it holds
  // kOutputBatchMax packets). Packets the adapter builds itself (RSTs,
  // echo replies, SendUdp) are written at once, after the pending list is
  // flushed, so the adapter's output keeps its order. Before the list is
  // written, a pure ACK that a later packet of the same flow in it
  // supersedes (acknowledges more, or the same with a larger window) is
  // left out and counted in tx_acks_coalesced: lwIP acknowledges every
  // second segment, and a receive batch of one super-packet's segments
  // would otherwise write some twenty ACKs where the last says it all.
  // Duplicate ACKs (same ack number and window) are all written.
  //
  // Contract: open it only with core_lock held (any thread: the relay's,
  // an endpoint thread inside a callback such as OnAccept or a
  // Connection's recv callback, lwIP's tcpip thread), and close it (end
  // its C++ scope) before releasing core_lock: declare it after the
  // CoreLockGuard in the same block, so it is destroyed first. Nothing is
  // ever left pending once the outermost scope of an adapter has closed.
  // Scopes nest (an inner scope only counts; the outermost flushes), also
  // across callbacks: the adapter's own entry points open one, so a user
  // scope inside a callback is an inner one. `adapter` is borrowed and
  // must outlive the scope; a scope on an adapter that is detached or
  // stopped is harmless (its output is written, or dropped and counted,
  // as without a scope). A failed or partial write is counted in
  // tx_dropped like an unbatched one (TCP retransmits). Not copyable or
  // movable; never allocates.
  class OutputBatch {
   public:
    explicit OutputBatch(NetifAdapter& adapter) REQUIRES(core_lock);
    ~OutputBatch() REQUIRES(core_lock);
    OutputBatch(const OutputBatch&) = delete;
    OutputBatch& operator=(const OutputBatch&) = delete;

   private:
    NetifAdapter& adapter_;
  };

  // BatchEndFn runs when the outermost OutputBatch scope of the adapter
  // closes (after a receive batch, the tick, a user's scope), under
  // core_lock on that scope's thread, right after the batch's output is
  // written (so the peer has the batch's ACKs while it runs); what it
  // makes lwIP send (Write's segments, an Abort's RST) is batched and
  // written when it returns. It lets a user defer per-segment work from
  // its recv callbacks to one step per batch (the relay's socket
  // writes). It must not block or wait for endpoint
  // threads; an OutputBatch it opens is an inner one, and it is not run
  // again from inside itself. Cleared by Detach like the other callbacks.
  using BatchEndFn = std::function<void()>;
  // OnBatchEnd sets it; call it before Attach.
  void OnBatchEnd(BatchEndFn fn) EXCLUDES(core_lock);
  // InOutputBatch is true while an OutputBatch scope is open on the
  // adapter (so a BatchEndFn will run before the lock is released).
  bool InOutputBatch() const REQUIRES(core_lock) { return batch_depth_ > 0; }

  // OnAccept sets the accept callback; call it before Attach.
  void OnAccept(AcceptFn fn) EXCLUDES(core_lock);
  // OnSyn sets the connect-first callback; call it before Attach.
  void OnSyn(SynFn fn) EXCLUDES(core_lock);
  // AdmitFlow lets a held SYN into lwIP (on the calling thread, under
  // core_lock: lwIP's SYN-ACK is written before it returns); RefuseFlow
  // answers the client with an RST (RST|ACK, seq 0, ack = the SYN's seq +
  // 1, from the original destination) and forgets the flow. Any thread
  // without core_lock; true if the flow was held, false for ids that are
  // unknown (already decided, timed out, reset by the client, detached).
  bool AdmitFlow(FlowId id) EXCLUDES(core_lock);
  bool RefuseFlow(FlowId id) EXCLUDES(core_lock);
  // OnUdp sets the UDP callback; call it before Attach. Without one,
  // inbound UDP is dropped (counted in udp_dropped).
  void OnUdp(UdpFn fn) EXCLUDES(core_lock);
  // SendUdp writes one datagram `payload` from `from` (a client's original
  // destination) to `to` (the client) through the endpoint, building the
  // IP and UDP headers (checksummed). Any thread, without core_lock (it
  // takes it, and writes under it like lwIP's output: WritePackets never
  // waits for endpoint threads). It restarts the flow's idle timer when
  // the flow has an entry, and sends without one too (a late reply).
  // Errors: kInvalidArgument (families differ, payload larger than the
  // MTU allows), kWouldBlock (the endpoint's buffer is full: a drop),
  // kClosed after Detach, or the endpoint's error.
  [[nodiscard]] Result<void> SendUdp(const FlowAddr& from, const FlowAddr& to,
                                     std::span<const uint8_t> payload)
      EXCLUDES(core_lock);
  // Attach attaches this adapter to the endpoint (endpoint->Attach(this)).
  void Attach() EXCLUDES(core_lock);
  // Detach detaches from the endpoint (waiting for its threads to leave
  // the adapter), then, under core_lock, aborts every open connection and
  // stops the tick. When it returns no callback of the user's runs again
  // and nothing reaches lwIP through this adapter. Final (the netif and
  // listener are gone: the adapter cannot be attached again) and
  // idempotent. Calling it with core_lock held would deadlock, which the
  // analysis rejects.
  void Detach() EXCLUDES(core_lock);

  // DeliverNetworkPacket (NetworkDispatcher) translates one inbound packet
  // and hands it to lwIP, under core_lock. Called by endpoint threads.
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override EXCLUDES(core_lock);
  // DeliverNetworkPackets (NetworkDispatcher) does the same for a whole
  // receive batch, in order, under one core_lock hold and inside one
  // OutputBatch (lwIP's replies to the batch go out in one write). Each
  // packet is handled and counted exactly as DeliverNetworkPacket does.
  void DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) override
      EXCLUDES(core_lock);
  // TakesSuperPackets is AdapterConfig::merge_tcp.
  bool TakesSuperPackets() const override { return config_.merge_tcp; }

  // Counters, NatCounters and OpenConnections read the counters, the
  // translation table's counters and the number of live Connections.
  AdapterCounters Counters() const EXCLUDES(core_lock);
  NatCounters TranslationCounters() const EXCLUDES(core_lock);
  size_t OpenConnections() const EXCLUDES(core_lock);
  // ExpireNow runs the tick's cleanup at once (for tests).
  void ExpireNow() EXCLUDES(core_lock);

 private:
  friend struct AdapterCallbacks;
  NetifAdapter(LinkEndpoint* endpoint, const AdapterConfig& config,
               NatTable nat);
  // DetachEndpoint is the one place that detaches the endpoint
  // (endpoint->Attach(nullptr), which waits for its threads): never under
  // core_lock.
  void DetachEndpoint() EXCLUDES(core_lock);
  // Start adds the netif and the listener.
  [[nodiscard]] Result<void> Start() REQUIRES(core_lock);
  // Stop aborts the connections, removes the listener, the netif and the
  // tick.
  void Stop() REQUIRES(core_lock);
  // AbortLeftoverPcbs aborts the closing pcbs (closed Connections lwIP
  // still finishes, TIME-WAIT ones) on the netif's addresses and port.
  void AbortLeftoverPcbs() REQUIRES(core_lock);
  // AbortEndedPcbs aborts the closed connections' pcbs whose mapping
  // ended (NatTable::TakeEndedTcp's pool-side addresses).
  void AbortEndedPcbs(const std::vector<FlowAddr>& ended) REQUIRES(core_lock);
  // DeliverLocked handles one inbound packet (DeliverNetworkPacket's body).
  void DeliverLocked(PacketBuffer& pkt) REQUIRES(core_lock);
  // DeliverWireLocked handles one wire packet (no GSO metadata).
  void DeliverWireLocked(PacketBuffer& pkt) REQUIRES(core_lock);
  // DeliverSuperLocked feeds a TCP super-packet to lwIP whole, and splits
  // anything else (DeliverSplit).
  void DeliverSuperLocked(PacketBuffer& pkt) REQUIRES(core_lock);
  // DeliverSplit splits a super-packet and delivers its wire packets.
  void DeliverSplit(PacketBuffer& pkt) REQUIRES(core_lock);
  // RaiseMss (send_super) keeps a new pcb's MSS as e->wire_mss and raises
  // the pcb's to the largest multiple of it that send_super holds.
  void RaiseMss(tcp_pcb* pcb, NatEntry* e) REQUIRES(core_lock);
  // RaiseBuffers grows a new connection's send buffer and slow-start
  // threshold (send_buffer) and its receive window (receive_window) as the
  // config says.
  void RaiseBuffers(Connection& c) const REQUIRES(core_lock);
  // MarkSuper makes `pkt` (ip, a TCP segment parsed as f) a super-packet
  // of wire_mss-byte segments when its payload is more than one: GSO
  // options and the pseudo-header sum in its checksum field.
  void MarkSuper(PacketBuffer& pkt, std::span<uint8_t> ip, const ParsedFlow& f,
                 uint16_t wire_mss) REQUIRES(core_lock);
  // FlushOutput writes the pending output list with one WritePackets call
  // and empties it (counting what was written and dropped).
  void FlushOutput() REQUIRES(core_lock);
  // CoalesceAcks leaves superseded pure ACKs out of the pending list
  // (MarkSupersededAcks), keeping the others in order.
  void CoalesceAcks() REQUIRES(core_lock);
  // Translate rewrites an inbound packet for lwIP; false: drop it (counted).
  bool TranslateInbound(std::span<uint8_t> ip) REQUIRES(core_lock);
  // Output sends one of lwIP's packets (lwIP holds core_lock).
  void Output(pbuf* p) REQUIRES(core_lock);
  // AcceptOutcome says what became of a new pcb.
  enum class AcceptOutcome { kKept, kRefused, kAborted };
  // Accept takes a new pcb from the listener: kRefused (the caller aborts
  // it) when it matches no translation entry, kAborted when the user
  // aborted it in OnAccept.
  AcceptOutcome Accept(tcp_pcb* pcb) REQUIRES(core_lock);
  // Tick expires translation entries (ending those whose pcb lwIP
  // dropped) and frees ended Connections.
  void Tick() REQUIRES(core_lock);
  bool IsLocal(const FlowAddr& a) const;

  using Clock = NatTable::Clock;
  // HeldSyn is a SYN waiting for AdmitFlow/RefuseFlow: a copy of the
  // client's packet as it came, and when it is refused unless decided.
  struct HeldSyn {
    std::vector<uint8_t> packet;
    FlowKey original;
    uint32_t seq = 0;
    Clock::time_point deadline{};
  };
  // TranslateTcp is TranslateInbound for TCP to a foreign address.
  bool TranslateTcp(std::span<uint8_t> ip, const ParsedFlow& f)
      REQUIRES(core_lock);
  // Hold keeps a new flow's SYN and calls the SynFn.
  void Hold(std::span<const uint8_t> ip, const ParsedFlow& f, const NatEntry& e,
            Clock::time_point now) REQUIRES(core_lock);
  // Refuse sends a held flow's RST and forgets it (iterator invalid).
  void Refuse(std::unordered_map<FlowId, HeldSyn>::iterator it)
      REQUIRES(core_lock);
  // LingerOrphans lets NatTable::LingerOrphans end the open TCP entries
  // that have no lwIP pcb (and no held SYN) any more.
  void LingerOrphans(Clock::time_point now) REQUIRES(core_lock);
  // ExpireHeld refuses the held flows whose deadline passed.
  void ExpireHeld(Clock::time_point now) REQUIRES(core_lock);
  // DropHeld forgets every held flow and its entry, calling nothing.
  void DropHeld() REQUIRES(core_lock);
  // DeliverUdp hands one inbound datagram to OnUdp (or drops it).
  void DeliverUdp(std::span<const uint8_t> ip, const ParsedFlow& f)
      REQUIRES(core_lock);
  // AnswerEcho replies to an ICMP/ICMPv6 echo request; false: not one.
  bool AnswerEcho(std::span<const uint8_t> ip) REQUIRES(core_lock);
  // SendReset writes an RST|ACK from `from` to `to`.
  void SendReset(const FlowAddr& from, const FlowAddr& to, uint32_t ack)
      REQUIRES(core_lock);
  // Feed hands one (translated or local) packet to lwIP's netif input.
  void Feed(std::span<const uint8_t> ip) REQUIRES(core_lock);
  // NewPacket copies `ip` into a pooled packet with the endpoint's
  // headroom; Transmit writes one and counts it.
  PacketBufferPtr NewPacket(std::span<const uint8_t> ip) const;
  Result<void> Transmit(PacketBufferPtr pkt) REQUIRES(core_lock);
  // TransmitOutput sends one of lwIP's packets: queued while an
  // OutputBatch is open, else written at once (Transmit).
  void TransmitOutput(PacketBufferPtr pkt) REQUIRES(core_lock);

  LinkEndpoint* const endpoint_;
  const AdapterConfig config_;
  bool attached_ = false;  // Touched only by Attach/Detach (one caller).
  std::unique_ptr<netif> netif_ GUARDED_BY(core_lock);
  bool started_ GUARDED_BY(core_lock) = false;
  tcp_pcb* listener_ GUARDED_BY(core_lock) = nullptr;
  NatTable nat_ GUARDED_BY(core_lock);
  AcceptFn on_accept_ GUARDED_BY(core_lock);
  SynFn on_syn_ GUARDED_BY(core_lock);
  UdpFn on_udp_ GUARDED_BY(core_lock);
  BatchEndFn on_batch_end_ GUARDED_BY(core_lock);
  bool in_batch_end_ GUARDED_BY(core_lock) = false;
  std::vector<std::unique_ptr<Connection>> conns_ GUARDED_BY(core_lock);
  std::unordered_map<FlowId, HeldSyn> held_ GUARDED_BY(core_lock);
  AdapterCounters counters_ GUARDED_BY(core_lock);
  // The OutputBatch state: open scopes, and the pending list (its first
  // pending_count_ slots).
  int batch_depth_ GUARDED_BY(core_lock) = 0;
  size_t pending_count_ GUARDED_BY(core_lock) = 0;
  std::array<PacketBufferPtr, kOutputBatchMax> pending_ GUARDED_BY(core_lock);
  // split_ holds a super-packet's wire packets while DeliverSplit hands
  // them on (its capacity is kept).
  std::vector<PacketBufferPtr> split_ GUARDED_BY(core_lock);
  // live_ holds the pool sides of lwIP's pcbs while LingerOrphans runs
  // (its buckets are kept).
  std::unordered_set<FlowKey, FlowKeyHash> live_ GUARDED_BY(core_lock);
  // scratch_ holds a chained pbuf's bytes while it is copied out.
  std::array<uint8_t, 65536> scratch_ GUARDED_BY(core_lock);
};

}  // namespace fdlink::lwip

#endif  // FDLINK_LWIP_NETIF_ADAPTER_H_
