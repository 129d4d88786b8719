// The recvmmsg dispatch mode: up to a batch of frames per system call, each
// into its own carved buffer. Only slots that received a frame move on; the
// others are offered again unchanged.
#include <sys/socket.h>

#include <array>
#include <vector>

#include "fdlink/buffer/rx_carver.h"
#include "fdlink/sys/packet_sys.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/packet_reader.h"

namespace fdlink::fdbased {
namespace {

class RecvMMsgReader final : public PacketReader {
 public:
  RecvMMsgReader(const FdState& fd, size_t batch)
      : fd_(fd.fd),
        zero_is_eof_(fd.socket_type == SOCK_STREAM),
        seqpacket_(fd.socket_type == SOCK_SEQPACKET),
        // The checksum state of AF_PACKET frames comes as PACKET_AUXDATA.
        auxdata_(fd.is_packet_socket && sys::SetPacketAuxdata(fd_)),
        iovs_(batch),
        msgs_(batch),
        controls_(auxdata_ ? batch : 0) {
    carvers_.reserve(batch);
    for (size_t i = 0; i < batch; ++i) {
      carvers_.emplace_back(kRxSlotSize);
      msgs_[i].msg_hdr.msg_iov = &iovs_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      if (auxdata_) msgs_[i].msg_hdr.msg_control = controls_[i].data();
      Refresh(i);
    }
  }

  Result<size_t> Read(std::span<RxFrame> out) override {
    // Slots used last time get fresh buffers now, once the frames read into
    // them have likely been released (so their chunk can be reused).
    for (size_t i = 0; i < used_; ++i) Refresh(i);
    used_ = 0;
    const size_t want = out.size() < msgs_.size() ? out.size() : msgs_.size();
    // The kernel shrinks msg_controllen to what it wrote.
    if (auxdata_) {
      for (size_t i = 0; i < want; ++i)
        msgs_[i].msg_hdr.msg_controllen = sys::kPacketControlSize;
    }
    Result<size_t> n = sys::RecvMmsg(fd_, std::span(msgs_).first(want));
    if (!n) return n.error();
    for (size_t i = 0; i < *n; ++i) {
      const size_t len = msgs_[i].msg_len;
      if (len == 0 && (zero_is_eof_ || (seqpacket_ && AtEnd(i, *n)))) {
        // End of stream; frames before it are delivered first.
        if (i == 0) return Errc::kPeerClosed;
        return i;  // used_ covers the slots taken before it.
      }
      out[i].truncated = (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      out[i].bytes = carvers_[i].Take(len);
      out[i].checksum_trusted =
          auxdata_ && sys::PacketChecksumTrusted(msgs_[i].msg_hdr);
      used_ = i + 1;
    }
    return *n;
  }
  size_t MaxBatch() const override { return msgs_.size(); }

 private:
  // Refresh points slot i's iovec at its carver's next buffer. The kernel
  // rewrites msg_len and msg_flags on every receive; nothing else changes.
  void Refresh(size_t i) {
    std::span<uint8_t> slot = carvers_[i].Slot();
    iovs_[i] = iovec{slot.data(), slot.size()};
  }

  const int fd_;
  // AtEnd tells, for zero-length SEQPACKET message i of n, the end of the
  // stream from an empty record. At the end, every message after i is
  // empty too (recvmmsg fills the rest of the batch with end-of-stream
  // reads) and the socket reports the hang-up; a failed check counts as
  // the end.
  bool AtEnd(size_t i, size_t n) const {
    for (size_t j = i + 1; j < n; ++j) {
      if (msgs_[j].msg_len != 0) return false;
    }
    Result<bool> end = sys::AtEndOfRecords(fd_);
    return !end || *end;
  }

  const bool zero_is_eof_;
  const bool seqpacket_;
  const bool auxdata_;
  size_t used_ = 0;  // Slots [0, used_) were filled by the last Read.
  std::vector<RxCarver> carvers_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;
  std::vector<std::array<uint8_t, sys::kPacketControlSize>> controls_;
};

}  // namespace

std::unique_ptr<PacketReader> MakeRecvMMsgReader(const FdState& fd,
                                                 size_t batch) {
  return std::make_unique<RecvMMsgReader>(fd, batch);
}

}  // namespace fdlink::fdbased
