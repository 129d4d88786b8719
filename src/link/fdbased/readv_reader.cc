// The readv dispatch mode: one frame per system call, read into one carved
// buffer (a plain read; a multi-iovec readv measured slower on TUN).
#include <sys/socket.h>

#include <array>

#include "fdlink/buffer/rx_carver.h"
#include "fdlink/sys/packet_sys.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/packet_reader.h"

namespace fdlink::fdbased {
namespace {

class ReadvReader final : public PacketReader {
 public:
  explicit ReadvReader(const FdState& fd)
      : fd_(fd.fd),
        // recv(MSG_TRUNC) reports a datagram's real length, so oversized
        // frames are detected; a stream of frames (TUN) uses read().
        use_recv_(fd.is_socket),
        zero_is_eof_(!fd.is_socket || fd.socket_type == SOCK_STREAM),
        seqpacket_(fd.is_socket && fd.socket_type == SOCK_SEQPACKET),
        // The checksum state of AF_PACKET frames comes as PACKET_AUXDATA.
        auxdata_(fd.is_packet_socket && sys::SetPacketAuxdata(fd_)),
        carver_(kRxSlotSize) {}

  Result<size_t> Read(std::span<RxFrame> out) override {
    std::span<uint8_t> slot = carver_.Slot();
    bool trusted = false;
    Result<size_t> n = auxdata_
                           ? sys::RecvPacketTrunc(fd_, slot, control_, &trusted)
                       : use_recv_ ? sys::RecvTrunc(fd_, slot)
                                   : sys::Read(fd_, slot);
    if (!n) return n.error();
    if (*n == 0 && zero_is_eof_) return Errc::kPeerClosed;
    if (*n == 0 && seqpacket_) {
      // An empty record (an empty frame to drop) or the end of the stream.
      Result<bool> end = sys::AtEndOfRecords(fd_);
      if (!end) return end.error();
      if (*end) return Errc::kPeerClosed;
    }
    const bool truncated = *n > slot.size();
    out[0].bytes = carver_.Take(truncated ? slot.size() : *n);
    out[0].truncated = truncated;
    out[0].checksum_trusted = trusted;
    return size_t{1};
  }
  size_t MaxBatch() const override { return 1; }

 private:
  const int fd_;
  const bool use_recv_;
  const bool zero_is_eof_;
  const bool seqpacket_;
  const bool auxdata_;
  std::array<uint8_t, sys::kPacketControlSize> control_{};
  RxCarver carver_;
};

}  // namespace

std::unique_ptr<PacketReader> MakeReadvReader(const FdState& fd) {
  return std::make_unique<ReadvReader>(fd);
}

std::unique_ptr<PacketReader> MakeReader(FdState& fd, const ReceiveConfig& rx) {
  if (rx.mode == PacketDispatchMode::kPacketMmap && fd.rx_ring)
    return MakePacketMmapReader(fd);
  if (rx.mode == PacketDispatchMode::kIoUring && fd.rx_uring)
    return MakeUringReader(fd);
  if (rx.mode == PacketDispatchMode::kRecvMMsg && fd.is_socket)
    return MakeRecvMMsgReader(fd, rx.batch);
  return MakeReadvReader(fd);
}

}  // namespace fdlink::fdbased
