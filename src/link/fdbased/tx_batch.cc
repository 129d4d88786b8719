#include "link/fdbased/tx_batch.h"

#include <algorithm>
#include <atomic>

#include "fdlink/link/fdbased/options.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/tx_uring.h"
#include "link/fdbased/tx_writer.h"

namespace fdlink::fdbased {

TxBatch::TxBatch() : vnets_(kBatchSize), headers_(kBatchSize) {
  frames_.reserve(kBatchSize);
  iovs_.reserve(kBatchSize * 8);
  msgs_.reserve(kBatchSize);
  spans_.reserve(kBatchSize);
  flat_.reserve(kBatchSize);
}

namespace {

std::atomic<TxOffloadWriteHook> tx_offload_write_hook{nullptr};

}  // namespace

void SetTxOffloadWriteHookForTest(TxOffloadWriteHook hook) {
  tx_offload_write_hook.store(hook, std::memory_order_release);
}

TxBatch& Batch() {
  thread_local TxBatch batch;
  return batch;
}

void TxBatch::Clear() {
  frames_.clear();
  iovs_.clear();
  flat_.clear();
}

bool TxBatch::Full() const { return frames_.size() >= kBatchSize; }

TxFrame& TxBatch::Begin() {
  frames_.push_back(TxFrame{});
  frames_.back().iov_first = static_cast<uint32_t>(iovs_.size());
  return frames_.back();
}

void TxBatch::End() {
  TxFrame& f = frames_.back();
  f.iov_count = static_cast<uint32_t>(iovs_.size() - f.iov_first);
}

std::span<uint8_t, header::kVirtioNetHeaderSize> TxBatch::VnetSlot() {
  return vnets_[frames_.size() - 1];
}

std::span<uint8_t, kTxHeaderScratch> TxBatch::HeaderSlot() {
  return headers_[frames_.size() - 1];
}

void TxBatch::Add(std::span<const uint8_t> b) {
  if (!b.empty()) iovs_.push_back(sys::MakeIovec(b));
}

void TxBatch::AddRange(const PacketBuffer& pkt, size_t off, size_t len) {
  pkt.ForEachSlice([&](std::span<const uint8_t> s) {
    if (len == 0) return;
    if (off >= s.size()) {
      off -= s.size();
      return;
    }
    s = s.subspan(off);
    off = 0;
    const size_t n = std::min(len, s.size());
    Add(s.first(n));
    if (len != SIZE_MAX) len -= n;
  });
}

size_t TxBatch::IovecsSoFar() const {
  return iovs_.size() - frames_.back().iov_first;
}

std::span<uint8_t> TxBatch::Flatten(const PacketBuffer& pkt, size_t off) {
  std::vector<uint8_t> all = pkt.ToBytes();
  all.erase(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(
                                           std::min(off, all.size())));
  flat_.push_back(std::move(all));
  Add(flat_.back());
  return flat_.back();
}

void TxBatch::Drop(size_t from) {
  if (from >= frames_.size()) return;
  iovs_.resize(frames_[from].iov_first);
  frames_.resize(from);
}

std::optional<SendOutcome> TxBatch::SendUring(const FdState& fd, size_t from,
                                              TxOffloadWriteHook hook) {
  // Under a test hook the ring writes the frames before the first one the
  // hook rejects, which then fails as if the kernel had rejected it.
  std::optional<Error> rejected;
  spans_.clear();
  for (size_t j = from; j < frames_.size(); ++j) {
    const TxFrame& f = frames_[j];
    const std::span<const iovec> iov =
        std::span(iovs_).subspan(f.iov_first, f.iov_count);
    if (hook != nullptr && f.offloaded) {
      if (const int err = hook(iov); err != 0) {
        rejected = Error::FromErrno(err, "write (test hook)");
        break;
      }
    }
    spans_.push_back(iov);
  }
  SendOutcome out;
  if (!spans_.empty()) {
    std::optional<TxUringOutcome> u = fd.tx_rings->Write(fd.fd, spans_);
    if (!u) return std::nullopt;
    out.sent = u->sent;
    out.error = std::move(u->error);
    if (out.error || out.sent < spans_.size()) return out;
  }
  out.error = std::move(rejected);
  return out;
}

SendOutcome TxBatch::Send(const FdState& fd, size_t from, size_t header_cap) {
  SendOutcome out;
  const TxOffloadWriteHook hook =
      tx_offload_write_hook.load(std::memory_order_acquire);
  auto cost = [this](size_t j) {
    return sizeof(mmsghdr) + frames_[j].iov_count * sizeof(iovec);
  };
  size_t i = from;
  // A lone frame is one writev either way, and cheaper without a ring.
  if (fd.tx_rings != nullptr && frames_.size() - i > 1) {
    if (std::optional<SendOutcome> u = SendUring(fd, i, hook)) {
      if (u->error || i + u->sent == frames_.size()) return *u;
      // The ring stopped short without an error: the rest one by one.
      out.sent = u->sent;
      i += u->sent;
    }
  }
  while (i < frames_.size()) {
    // One frame alone (not a socket, the last one, a test hook, or one that
    // by itself exceeds the cap) is one write: sendmsg on a socket.
    if (!fd.is_socket || i + 1 == frames_.size() || hook != nullptr ||
        (header_cap > 0 && cost(i) > header_cap)) {
      const TxFrame& f = frames_[i];
      const std::span<const iovec> iov =
          std::span(iovs_).subspan(f.iov_first, f.iov_count);
      if (hook != nullptr && f.offloaded) {
        if (const int err = hook(iov); err != 0) {
          out.error = Error::FromErrno(err, "write (test hook)");
          return out;
        }
      }
      Result<size_t> n = WriteFrame(fd, iov);
      if (!n) {
        out.error = n.error();
        return out;
      }
      ++out.sent;
      ++i;
      continue;
    }
    // Several frames on a socket: as many as the cap allows per sendmmsg.
    msgs_.clear();
    size_t bytes = 0;
    for (size_t j = i; j < frames_.size(); ++j) {
      if (header_cap > 0 && !msgs_.empty() && bytes + cost(j) > header_cap) {
        break;
      }
      bytes += cost(j);
      mmsghdr m{};
      m.msg_hdr.msg_iov = &iovs_[frames_[j].iov_first];
      m.msg_hdr.msg_iovlen = frames_[j].iov_count;
      msgs_.push_back(m);
    }
    size_t done = 0;
    while (done < msgs_.size()) {
      Result<size_t> n = sys::SendMmsg(fd.fd, std::span(msgs_).subspan(done));
      if (!n) {
        out.sent += done;
        out.error = n.error();
        return out;
      }
      done += *n;  // A partial send continues with the rest.
    }
    out.sent += done;
    i += done;
  }
  return out;
}

}  // namespace fdlink::fdbased
