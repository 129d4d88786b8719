#include "link/fdbased/attachment.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>

#include "fdlink/base/thread_start.h"
#include "fdlink/offload/gso_split.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/flow_hash.h"
#include "link/fdbased/packet_reader.h"
#include "link/fdbased/rx_gro.h"

namespace fdlink::fdbased {

// Channel is one fd's receive state: its reader and, with more than one
// processor, the processors' queues.
struct Attachment::Channel {
  FdState* fd = nullptr;
  std::unique_ptr<PacketReader> reader;
  std::vector<std::unique_ptr<ProcessorQueue>> queues;
  // Frames of one read batch; the packets classified from them; the same
  // split into wire packets (for a dispatcher that does not take
  // super-packets). Used only by the loop thread; they keep their capacity,
  // so a batch allocates nothing in steady state.
  std::vector<RxFrame> frames;
  std::vector<PacketBufferPtr> batch;
  std::vector<PacketBufferPtr> split;
  // Receive GRO for inline delivery (RxGroApplies and no processors; each
  // processor has its own).
  std::optional<RxGro> gro;
};

Attachment::Attachment(AttachmentConfig cfg) : cfg_(std::move(cfg)) {}

Attachment::~Attachment() { Join(); }

Result<void> Attachment::Start() {
  Result<UniqueFd> efd = sys::EventFd();
  if (!efd) return efd.error();
  stop_fd_ = std::move(*efd);
  // Asked once per Attach (the dispatcher promises a constant answer).
  takes_super_packets_ = cfg_.dispatcher->TakesSuperPackets();

  for (FdState* fd : cfg_.fds) {
    auto ch = std::make_unique<Channel>();
    ch->fd = fd;
    ch->reader = MakeReader(*fd, cfg_.link->rx);
    const size_t batch = std::max(cfg_.link->rx.batch, ch->reader->MaxBatch());
    ch->frames.resize(batch);
    ch->batch.reserve(batch);
    if (!takes_super_packets_) ch->split.reserve(batch * offload::kMaxSegments);
    if (cfg_.link->rx.processors <= 1 &&
        RxGroApplies(*cfg_.link, takes_super_packets_)) {
      ch->gro.emplace(*cfg_.link);
    }
    if (cfg_.link->rx.processors > 1) {
      for (uint32_t i = 0; i < cfg_.link->rx.processors; ++i)
        ch->queues.push_back(std::make_unique<ProcessorQueue>());
    }
    channels_.push_back(std::move(ch));
  }

  // Never waits, also on failure: the caller holds its endpoint's mutex, and
  // the threads already started may be delivering into a dispatcher that
  // takes it. A half-started attachment is stopped and waited for by the
  // caller, after unlocking, exactly like a detached one.
  for (auto& ch : channels_) {
    for (auto& q : ch->queues) {
      ProcessorQueue* qp = q.get();
      FdState* fdp = ch->fd;
      if (Result<void> r =
              StartMember([this, qp, fdp] { RunProcessor(*qp, *fdp); });
          !r) {
        return r;
      }
    }
    Channel* chp = ch.get();
    if (Result<void> r = StartMember([this, chp] { RunLoop(*chp); }); !r) {
      return r;
    }
  }
  return Ok();
}

Result<void> Attachment::StartMember(std::function<void()> body) {
  group_.Add();  // Before the thread exists, so that no waiter misses it.
  Result<std::thread> t = StartThread(std::move(body));
  if (!t) {
    group_.Remove();  // The member whose thread did not start.
    RequestStop();
    return Error{t.error().code, t.error().sys_errno,
                 "fdbased: cannot start a receive thread"};
  }
  threads_.push_back(std::move(*t));
  return Ok();
}

void Attachment::RequestStop() {
  stop_.store(true, std::memory_order_release);
  if (stop_fd_.valid()) {
    // Cannot fail short of a closed fd: the counter never nears overflow.
    (void)sys::EventFdSignal(stop_fd_.get());
  }
  for (auto& ch : channels_) {
    for (auto& q : ch->queues) q->Stop();
  }
}

void Attachment::Join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Attachment::RunLoop(Channel& ch) {
  group_.Bind();
  FdState& fd = *ch.fd;
  const std::span<RxFrame> frames(ch.frames);
  const size_t per_read = ch.reader->MaxBatch();
  Error why{};
  bool closed = false;
  while (!StopRequested()) {
    // Gather a batch: read until the fd would block, a read comes back
    // short, or the batch is full; then deliver what was read, error or not.
    size_t got = 0;
    Result<size_t> n = size_t{0};
    while (got < frames.size()) {
      const std::span<RxFrame> room =
          frames.subspan(got, std::min(per_read, frames.size() - got));
      n = ch.reader->Read(room);
      if (!n) break;
      got += *n;
      if (*n < room.size()) break;
    }
    ClassifyBatch(ch, frames.first(got));
    DeliverBatch(ch, ch.batch);
    if (n) continue;
    const Errc e = n.error().code;
    if (e == Errc::kWouldBlock) {
      // Processors were woken per batch; hand them the rest before
      // sleeping.
      for (auto& q : ch.queues) q->Wake();
      Result<sys::PollResult> p = ch.reader->Wait(fd.fd, stop_fd_.get());
      if (!p) {
        why = Error{Errc::kIoError, p.error().sys_errno, "ppoll"};
        closed = true;
        break;
      }
      if (p->stop) break;
      if (!p->fd_readable && (p->fd_error || p->fd_hangup)) {
        why = p->fd_error ? Error{Errc::kIoError, 0, "poll: POLLERR"}
                          : Error{Errc::kPeerClosed, 0, "poll: POLLHUP"};
        closed = true;
        break;
      }
      continue;
    }
    const bool peer = e == Errc::kPeerClosed || e == Errc::kConnectionReset;
    why = Error{peer ? Errc::kPeerClosed : Errc::kIoError, n.error().sys_errno,
                n.error().what};
    if (!peer) fd.rx_errors.Add(1);
    closed = true;
    break;
  }
  EndLoop(ch, closed ? &why : nullptr);
  group_.Leave();  // Last touch: a waiter may free everything after this.
}

void Attachment::ClassifyBatch(Channel& ch, std::span<RxFrame> frames) {
  FdState& fd = *ch.fd;
  for (RxFrame& f : frames) {
    fd.rx_packets.Add(1);
    fd.rx_bytes.Add(f.bytes.size());
    if (StopRequested()) {
      // Read before the stop, never delivered after it.
      f.bytes = View();
      fd.Drop(DropReason::kDetached);
      continue;
    }
    Classified c = ClassifyFrame(*cfg_.link, *cfg_.address, f);
    if (!c.pkt) {
      fd.Drop(c.drop);
      continue;
    }
    ch.batch.push_back(std::move(c.pkt));
  }
}

void Attachment::SplitBatch(Channel& ch, std::span<PacketBufferPtr> pkts) {
  for (PacketBufferPtr& p : pkts) {
    if (p->gso_options().type == GSOType::kNone) {
      ch.split.push_back(std::move(p));
      continue;
    }
    // Segments are fresh copies; the super-packet is released after.
    if (Result<size_t> r = offload::SplitSuperPacket(*p, 0, ch.split); !r)
      ch.fd->Drop(DropReason::kUnsplittable);
    p.reset();
  }
}

void Attachment::DeliverBatch(Channel& ch, std::span<PacketBufferPtr> pkts) {
  std::span<PacketBufferPtr> ready = pkts;
  if (!takes_super_packets_) {
    SplitBatch(ch, pkts);
    ready = ch.split;
  }
  // GRO (for a dispatcher that takes super-packets) runs over the whole
  // batch right before it is delivered: here inline, or in each processor
  // over the batch it takes (wire packets reach the queues by flow hash, so
  // a flow's packets meet in one processor, in order).
  if (!ready.empty() && ch.queues.empty()) {
    if (StopRequested()) {
      for (size_t i = 0; i < ready.size(); ++i)
        ch.fd->Drop(DropReason::kDetached);
    } else if (ch.gro) {
      cfg_.dispatcher->DeliverNetworkPackets(ch.gro->Coalesce(ready, *ch.fd));
      ch.gro->Clear();
    } else {
      cfg_.dispatcher->DeliverNetworkPackets(ready);
    }
  } else {
    for (PacketBufferPtr& p : ready) {
      const uint32_t h = FlowHash(cfg_.link->flow_seed, p->network_protocol(),
                                  p->NetworkPacket());
      const size_t idx = h % ch.queues.size();
      if (!ch.queues[idx]->Push(std::move(p)))
        ch.fd->Drop(DropReason::kDetached);
    }
  }
  // Releases whatever the dispatcher did not take; capacity stays.
  ch.batch.clear();
  ch.split.clear();
}

void Attachment::EndLoop(Channel& ch, const Error* why) {
  for (auto& q : ch.queues) q->Finish();
  if (why != nullptr && !StopRequested() && cfg_.closed_func != nullptr &&
      *cfg_.closed_func) {
    (*cfg_.closed_func)(*why);
  }
}

void Attachment::RunProcessor(ProcessorQueue& q, FdState& fd) {
  group_.Bind();
  std::vector<PacketBufferPtr> batch;
  batch.reserve(ProcessorQueue::kCapacity);
  std::optional<RxGro> gro;
  if (RxGroApplies(*cfg_.link, takes_super_packets_)) gro.emplace(*cfg_.link);
  while (q.TakeAll(&batch)) {
    if (StopRequested()) {
      fd.processor_detach_drops.fetch_add(batch.size(),
                                          std::memory_order_relaxed);
    } else if (gro) {
      cfg_.dispatcher->DeliverNetworkPackets(gro->Coalesce(batch, fd));
      gro->Clear();
    } else {
      cfg_.dispatcher->DeliverNetworkPackets(batch);
    }
    batch.clear();
  }
  group_.Leave();
}

}  // namespace fdlink::fdbased
