// Attachment: everything one Attach(d) starts — a receive loop per fd, the
// processors of each channel, the stop signal — and how it stops.
#ifndef FDLINK_SRC_LINK_FDBASED_ATTACHMENT_H_
#define FDLINK_SRC_LINK_FDBASED_ATTACHMENT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/base/thread_group.h"
#include "fdlink/link/fdbased/options.h"
#include "fdlink/stack/link_endpoint.h"
#include "fdlink/sys/unique_fd.h"
#include "link/fdbased/inbound.h"
#include "link/fdbased/link_config.h"
#include "link/fdbased/processor.h"

namespace fdlink::fdbased {

struct FdState;

// AttachmentConfig is what the threads of an attachment need from the
// endpoint: its resolved configuration and live state, borrowed (everything
// it points to outlives the attachment), and the dispatcher.
struct AttachmentConfig {
  NetworkDispatcher* dispatcher = nullptr;
  const LinkConfig* link = nullptr;
  std::vector<FdState*> fds;
  const std::atomic<uint64_t>* address = nullptr;  // The endpoint's MAC.
  const ClosedFunc* closed_func = nullptr;
};

// Attachment owns the threads of one attachment. Its group counts every one
// of them; a thread leaves the group as its very last act, and the threads
// are joined by whoever removes the attachment once the group is idle.
//
// Threading: Start and Join run on control threads (never concurrently with
// each other); RequestStop on any thread, any number of times.
class Attachment {
 public:
  explicit Attachment(AttachmentConfig cfg);
  ~Attachment();  // Joins any thread still joinable (must not be one).
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

  // Start creates the stop eventfd and every thread. It never waits. On
  // failure it requests a stop of the threads it did start and returns the
  // error; the caller must then wait for the group to be idle and Join, as
  // after a detach (with no lock held that the threads may take).
  [[nodiscard]] Result<void> Start();
  // RequestStop tells every thread to finish as soon as possible. After it,
  // no thread starts another dispatcher call.
  void RequestStop();
  bool StopRequested() const { return stop_.load(std::memory_order_acquire); }
  // Group is the thread group to wait on.
  ThreadGroup& Group() { return group_; }
  // Join joins every thread; the group must be idle and the caller must not
  // be one of them (a member holds group_, hence EXCLUDES).
  void Join() EXCLUDES(group_);

 private:
  struct Channel;
  // StartMember adds one member to the group and starts `body` on a new
  // thread; on failure it removes the member again and requests a stop.
  Result<void> StartMember(std::function<void()> body);
  void RunLoop(Channel& ch);
  void RunProcessor(ProcessorQueue& q, FdState& fd);
  // ClassifyBatch counts the frames of one read batch and appends the
  // packets classified from them to ch.batch (drops are counted; after a
  // stop request every frame is dropped as kDetached).
  // These run on a member thread, which holds group_ (shared) from Bind to
  // Leave: the analysis sees every delivery inside the group.
  void ClassifyBatch(Channel& ch, std::span<RxFrame> frames)
      REQUIRES_SHARED(group_);
  // SplitBatch appends `pkts` to ch.split, super-packets split into wire
  // packets (offload::SplitSuperPacket; one that cannot be split is dropped
  // as kUnsplittable). Every element of `pkts` is left null.
  void SplitBatch(Channel& ch, std::span<PacketBufferPtr> pkts)
      REQUIRES_SHARED(group_);
  // DeliverBatch hands one read batch `pkts` (in ch.batch) to the dispatcher:
  // split first unless it takes super-packets, then in one
  // DeliverNetworkPackets call on the loop thread (nothing once a stop was
  // requested: counted kDetached), or spread by flow hash over the
  // processor queues. ch.batch and ch.split are empty afterwards. GRO goes
  // between the split and the delivery.
  void DeliverBatch(Channel& ch, std::span<PacketBufferPtr> pkts)
      REQUIRES_SHARED(group_);
  // EndLoop runs when a loop ends: lets its processors drain and reports
  // why to the closed callback (unless a stop was requested).
  void EndLoop(Channel& ch, const Error* why) REQUIRES_SHARED(group_);

  const AttachmentConfig cfg_;
  // TakesSuperPackets of the dispatcher, asked once in Start (before any
  // thread exists; read-only afterwards).
  bool takes_super_packets_ = false;
  std::atomic<bool> stop_{false};
  UniqueFd stop_fd_;
  ThreadGroup group_{"fdbased.threads"};
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::thread> threads_;
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_ATTACHMENT_H_
