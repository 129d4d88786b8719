// Connection: one TCP connection the lwip adapter accepted, with the
// destination the client originally asked for.
#ifndef FDLINK_LWIP_CONNECTION_H_
#define FDLINK_LWIP_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "fdlink/base/result.h"
#include "fdlink/lwip/core_lock.h"
#include "fdlink/lwip/nat_table.h"

struct tcp_pcb;

namespace fdlink::lwip {

class NetifAdapter;

// Connection wraps one accepted lwIP TCP pcb (raw API). The adapter owns
// it; the user gets it by reference in OnAccept.
//
// Threading: every method and every callback runs with core_lock held: the
// callbacks are called by lwIP (on its tcpip thread, or on an endpoint
// receive thread delivering a packet), and the user calls the methods from
// inside a callback or after taking CoreLockGuard. Callbacks must not
// block, and must not detach an endpoint.
//
// Lifetime: the reference stays valid until the user calls Close() or
// Abort(), the OnError callback has run, or the adapter is detached;
// after that it must not be used (the adapter frees it later, on its
// tick). No callback runs after any of these.
class Connection {
 public:
  // RecvFn gets received bytes in order; an empty span means the peer
  // shut its sending side (FIN). Bytes count against the receive window
  // until Consumed() is called for them (backpressure: a user that cannot
  // pass data on yet simply does not consume it).
  using RecvFn = std::function<void(Connection&, std::span<const uint8_t>)>;
  // SentFn says `acked` bytes were acknowledged: SendSpace() grew.
  using SentFn = std::function<void(Connection&, size_t acked)>;
  // ErrorFn says lwIP dropped the connection (reset by the peer, or
  // aborted); the Connection is dead when it returns.
  using ErrorFn = std::function<void(Connection&)>;

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // original_src is the client's address and port; original_dst the
  // destination it connected to (which the stack does not own).
  const FlowAddr& original_src() const { return original_src_; }
  const FlowAddr& original_dst() const { return original_dst_; }
  // flow_id is the id SynFn was given for this flow (0 when no SynFn is
  // set).
  FlowId flow_id() const { return flow_id_; }

  // OnRecv, OnSent and OnError set the callbacks (replacing any set
  // before). Without OnRecv, received data is consumed and discarded.
  void OnRecv(RecvFn fn) REQUIRES(core_lock) { on_recv_ = std::move(fn); }
  void OnSent(SentFn fn) REQUIRES(core_lock) { on_sent_ = std::move(fn); }
  void OnError(ErrorFn fn) REQUIRES(core_lock) { on_error_ = std::move(fn); }

  // Write copies up to SendSpace() bytes of `data` into lwIP's send buffer
  // and pushes them out; returns how many it took (0 when the buffer is
  // full: wait for OnSent). Errc::kClosed after Close/Abort/error or
  // ShutdownWrite, Errc::kNoBufferSpace if lwIP is out of memory.
  [[nodiscard]] Result<size_t> Write(std::span<const uint8_t> data)
      REQUIRES(core_lock);
  // SendSpace is how many bytes Write would take now (0 when closed).
  size_t SendSpace() const REQUIRES(core_lock);
  // Consumed returns `n` received bytes to the window.
  void Consumed(size_t n) REQUIRES(core_lock);
  // ShutdownWrite sends FIN after the queued data; receiving goes on.
  [[nodiscard]] Result<void> ShutdownWrite() REQUIRES(core_lock);
  // Close closes both directions gracefully (FIN after queued data; lwIP
  // finishes the close on its own) and ends the Connection.
  void Close() REQUIRES(core_lock);
  // Abort resets the connection (RST) and ends the Connection.
  void Abort() REQUIRES(core_lock);
  // open is false once the Connection has ended.
  bool open() const REQUIRES(core_lock) { return pcb_ != nullptr; }

 private:
  friend class NetifAdapter;
  friend struct ConnectionCallbacks;
  Connection(tcp_pcb* pcb, const FlowAddr& src, const FlowAddr& dst);
  // Detach clears lwIP's callbacks into this object and forgets the pcb.
  void Unhook() REQUIRES(core_lock);
  // ReturnWindow gives `n` received bytes back to the receive window
  // (lwIP's tcp_recved, or up to receive_window_ when that is raised).
  void ReturnWindow(size_t n) REQUIRES(core_lock);
  // SettleWindowForClose sets a raised window to what lwIP's tcp_close
  // takes for "every received byte consumed" exactly when that is so
  // (otherwise tcp_close resets the connection, as lwIP's own would).
  void SettleWindowForClose() REQUIRES(core_lock);

  tcp_pcb* pcb_ GUARDED_BY(core_lock);
  const FlowAddr original_src_;
  const FlowAddr original_dst_;
  FlowId flow_id_ = 0;
  bool write_shut_ GUARDED_BY(core_lock) = false;
  // receive_window_ is the raised receive window (0: lwIP's own), set at
  // accept (NetifAdapter::RaiseBuffers).
  uint32_t receive_window_ GUARDED_BY(core_lock) = 0;
  // unconsumed_ counts bytes handed to OnRecv and not yet Consumed().
  size_t unconsumed_ GUARDED_BY(core_lock) = 0;
  // aborted_in_callback_ tells the lwIP callback that is running that the
  // user aborted the pcb (it must then return ERR_ABRT).
  bool aborted_in_callback_ GUARDED_BY(core_lock) = false;
  RecvFn on_recv_ GUARDED_BY(core_lock);
  SentFn on_sent_ GUARDED_BY(core_lock);
  ErrorFn on_error_ GUARDED_BY(core_lock);
};

}  // namespace fdlink::lwip

#endif  // FDLINK_LWIP_CONNECTION_H_
