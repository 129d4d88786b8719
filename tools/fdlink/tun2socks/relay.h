// Relay: the TCP half of `fdlink tun2socks`. For each client connection
// the lwIP adapter terminates, it dials the original destination through
// an Upstream (connect first: the client's SYN is held until the dial is
// through, and refused with an RST when it fails), then copies bytes both
// ways with backpressure and closes in step. One thread with an epoll set
// drives every upstream socket (and the UDP relay's).
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_RELAY_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_RELAY_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/lwip/connection.h"
#include "fdlink/lwip/core_lock.h"
#include "fdlink/lwip/netif_adapter.h"
#include "fdlink/sys/unique_fd.h"
#include "tun2socks/byte_queue.h"
#include "tun2socks/counters.h"
#include "tun2socks/udp_relay.h"
#include "tun2socks/upstream.h"

namespace fdlink::tool::tun2socks {

// RelayConfig bounds the relay.
struct RelayConfig {
  // dial_timeout bounds connect plus handshake; the client then gets RST.
  std::chrono::milliseconds dial_timeout{5000};
  // idle_timeout resets an established connection with no bytes either
  // way for this long.
  std::chrono::milliseconds idle_timeout{300000};
  // max_connections caps the flows dialling or relaying at once; a SYN
  // over it is refused.
  size_t max_connections = 4096;
};

// Relay connects the adapter's flows to the upstream.
//
// Threading and locks: every flow's state is guarded by lwip::core_lock.
// lwIP's callbacks (OnSyn, OnAccept, the Connections' recv/sent/error)
// already hold it; the relay thread takes CoreLockGuard around the
// handling of each batch of epoll events and never blocks under it (every
// socket is non-blocking; the epoll wait happens without it). The calls
// that are EXCLUDES(core_lock) — AdmitFlow, RefuseFlow (and the UDP
// relay's SendUdp) — are collected under the lock and made after it is
// released. Stop joins the thread, so it must be called without the lock.
class Relay {
 public:
  // Create makes the epoll set and the wake-up eventfd. `adapter` and
  // `upstream` are borrowed and must outlive the relay.
  [[nodiscard]] static Result<std::unique_ptr<Relay>> Create(
      lwip::NetifAdapter* adapter, Upstream* upstream,
      const RelayConfig& config);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // epoll_fd is the relay's epoll set, for the UDP relay's sockets.
  int epoll_fd() const { return epoll_.get(); }
  // Install sets the adapter's OnSyn, OnAccept and OnBatchEnd (and OnUdp to
  // `udp` when not null; `udp` is borrowed and must outlive the relay). Call it
  // before the adapter is attached.
  void Install(UdpRelay* udp) EXCLUDES(lwip::core_lock);
  // Start starts the relay thread. Errors: the thread could not start.
  [[nodiscard]] Result<void> Start() EXCLUDES(lwip::core_lock);
  // Stop stops the thread, then resets every connection on both sides
  // (the clients get RST, the upstream sockets close with RST), refuses
  // the SYNs still held and closes the UDP flows; later SYNs and accepts
  // are refused. Idempotent. Call it before detaching the adapter.
  void Stop() EXCLUDES(lwip::core_lock);

  // Counters are the TCP counters (and the UDP relay's) now.
  TcpCounters Counters() const EXCLUDES(lwip::core_lock);
  UdpCounters UdpCountersNow() const EXCLUDES(lwip::core_lock);

 private:
  struct Flow;
  // Decision is an AdmitFlow (admit) or RefuseFlow to make after the lock.
  struct Decision {
    lwip::FlowId id = 0;
    uint64_t tag = 0;
    bool admit = false;
  };

  Relay(lwip::NetifAdapter* adapter, Upstream* upstream,
        const RelayConfig& config, UniqueFd epoll, UniqueFd wake);
  void Loop() EXCLUDES(lwip::core_lock);
  // Decide makes the collected decisions (without the lock).
  void Decide(std::vector<Decision>* decisions) EXCLUDES(lwip::core_lock);

  // lwIP's callbacks.
  void OnSyn(const lwip::FlowAddr& src, const lwip::FlowAddr& dst,
             lwip::FlowId id) REQUIRES(lwip::core_lock);
  void OnAccept(lwip::Connection& c) REQUIRES(lwip::core_lock);
  void OnRecv(uint64_t tag, std::span<const uint8_t> data)
      REQUIRES(lwip::core_lock);
  void OnSent(uint64_t tag) REQUIRES(lwip::core_lock);
  void OnError(uint64_t tag) REQUIRES(lwip::core_lock);
  // OnBatchEnd writes the client bytes the batch's recv callbacks queued,
  // one send per flow (the adapter's BatchEndFn).
  void OnBatchEnd() REQUIRES(lwip::core_lock);

  // NewFlow makes a flow and queues its dial; null over the cap.
  Flow* NewFlow(const lwip::FlowAddr& src, const lwip::FlowAddr& dst,
                lwip::FlowId id) REQUIRES(lwip::core_lock);
  void Hook(Flow& f, lwip::Connection& c) REQUIRES(lwip::core_lock);
  void RunDials() REQUIRES(lwip::core_lock);
  // DialQueued runs the queued dials now (from lwIP's callbacks).
  void DialQueued() REQUIRES(lwip::core_lock);
  void HandleEvent(Flow& f, bool readable, bool writable, bool error)
      REQUIRES(lwip::core_lock);
  // The steps below return false when the flow ended (it is then gone).
  bool Connected(Flow& f) REQUIRES(lwip::core_lock);
  bool StepHandshake(Flow& f) REQUIRES(lwip::core_lock);
  bool Ready(Flow& f) REQUIRES(lwip::core_lock);
  bool StartRelaying(Flow& f) REQUIRES(lwip::core_lock);
  bool PumpUp(Flow& f) REQUIRES(lwip::core_lock);
  // ConsumeAhead returns owed bytes to lwIP's window while no more than
  // kConsumeAhead consumed bytes wait in the queue.
  void ConsumeAhead(Flow& f) REQUIRES(lwip::core_lock);
  bool PumpDown(Flow& f) REQUIRES(lwip::core_lock);
  bool MaybeFinish(Flow& f) REQUIRES(lwip::core_lock);
  void FailDial(Flow& f, Errc code, bool socks) REQUIRES(lwip::core_lock);
  void ResetBoth(Flow& f) REQUIRES(lwip::core_lock);
  void UpdateInterest(Flow& f) REQUIRES(lwip::core_lock);
  void Erase(Flow& f) REQUIRES(lwip::core_lock);
  void Sweep(std::chrono::steady_clock::time_point now)
      REQUIRES(lwip::core_lock);
  void Wake();

  lwip::NetifAdapter* const adapter_;
  Upstream* const upstream_;
  const RelayConfig config_;
  const UniqueFd epoll_;
  const UniqueFd wake_;      // eventfd: a dial was queued, or stop.
  UdpRelay* udp_ = nullptr;  // Set by Install, before any thread runs.
  std::thread thread_;
  std::atomic<bool> stop_{false};
  bool stopping_ GUARDED_BY(lwip::core_lock) = false;
  uint64_t next_tag_ GUARDED_BY(lwip::core_lock) = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Flow>> flows_
      GUARDED_BY(lwip::core_lock);
  // by_id_ finds a connect-first flow by the adapter's id until accepted.
  std::unordered_map<lwip::FlowId, uint64_t> by_id_ GUARDED_BY(lwip::core_lock);
  std::vector<uint64_t> dial_queue_ GUARDED_BY(lwip::core_lock);
  std::vector<Decision> decisions_ GUARDED_BY(lwip::core_lock);
  std::vector<uint64_t> sweep_ GUARDED_BY(lwip::core_lock);
  // unsent_ lists the flows whose recv callbacks queued client bytes
  // during the open output batch; OnBatchEnd sends them. spare_ is the
  // list it swaps with (both keep their storage).
  std::vector<uint64_t> unsent_ GUARDED_BY(lwip::core_lock);
  std::vector<uint64_t> spare_ GUARDED_BY(lwip::core_lock);
  TcpCounters counters_ GUARDED_BY(lwip::core_lock);
  // scratch_ carries upstream bytes into lwIP; any thread that holds
  // core_lock may use it for the duration of one step.
  std::array<uint8_t, 65536> scratch_ GUARDED_BY(lwip::core_lock);
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_RELAY_H_
