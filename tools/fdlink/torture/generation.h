// Generation: one endpoint and its socketpairs, for one stretch of the
// torture. Peer writers flood every fd, a peer closer hangs up on some pairs
// mid-flight, and caller threads use the endpoint's other methods, while the
// control thread (the owner) attaches and detaches. The endpoint's fds are
// borrowed and fixed, so a closed peer stays closed until the generation
// ends and the next one builds fresh socketpairs.
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_GENERATION_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_GENERATION_H_

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/sys/unique_fd.h"
#include "torture/options.h"
#include "torture/state.h"
#include "torture/traffic.h"
#include "torture/veth.h"

namespace fdlink::tool {

// GenerationConfig says how to build one generation.
struct GenerationConfig {
  const TortureOptions* opts = nullptr;
  TortureContext* ctx = nullptr;
  bool ethernet = false;  // Frames carry an Ethernet header.
  // Veth: when set, the fds are AF_PACKET sockets on it (always Ethernet),
  // not socketpairs.
  const TortureVeth* veth = nullptr;
  // End is when the control thread plans to finish; the peer closer hangs
  // up at random times before it.
  std::chrono::steady_clock::time_point end;
};

// Generation owns the socketpairs (or packet sockets), the endpoint and the
// helper threads.
//
// Threading: every method runs on the control thread; the closed callback
// runs on endpoint threads.
class Generation {
 public:
  // Create builds the socketpairs and the (detached) endpoint and starts the
  // helper threads.
  static Result<std::unique_ptr<Generation>> Create(const GenerationConfig& c);
  // The destructor runs Finish() if it has not run.
  ~Generation();
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  fdbased::Endpoint& ep() { return *ep_; }

  // OpenCallbacks is called before each Attach(d); CloseCallbacks right
  // after the detach returns (false: a closed callback was still running).
  void OpenCallbacks() { closed_window_.Open(); }
  bool CloseCallbacks() { return closed_window_.Close(); }

  // StopCallers stops and joins the threads that call the endpoint, so the
  // control thread can Close() it (published in `slot`).
  void StopCallers(WatchdogSlot* slot);

  // Finish stops the caller threads, then Close()s and destroys the endpoint
  // while the peers still flood it, then stops the writers and closes every
  // fd. Each step is published in `slot`.
  void Finish(WatchdogSlot* slot);

 private:
  explicit Generation(const GenerationConfig& c);

  void OnClosed(const Error& why);
  void RunProperties(int index);
  void RunTx(int index);
  void RunPeerCloser();
  // CallersStopped is true once StopCallers began.
  bool CallersStopped() const { return stop_callers_.load(); }

  const GenerationConfig cfg_;
  std::vector<UniqueFd> ours_;
  std::vector<UniqueFd> peers_;
  std::vector<std::unique_ptr<PeerControl>> peer_ctl_;
  std::vector<std::vector<uint8_t>> packets_;     // What the peers send.
  std::vector<std::vector<uint8_t>> tx_packets_;  // IP packets to write.
  std::unique_ptr<fdbased::Endpoint> ep_;
  CallbackWindow closed_window_{false};
  std::atomic<bool> stop_callers_{false};
  std::vector<std::thread> callers_;  // Use the endpoint; joined first.
  std::vector<std::thread> writers_;  // Use only the peers.
  bool finished_ = false;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_GENERATION_H_
