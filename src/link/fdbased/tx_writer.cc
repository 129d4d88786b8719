#include "link/fdbased/tx_writer.h"

#include <sys/socket.h>

#include <optional>

#include "fdlink/sys/syscalls.h"
#include "link/fdbased/flow_hash.h"
#include "link/fdbased/tx_group.h"

namespace fdlink::fdbased {

Result<size_t> WriteFrame(const FdState& fd, std::span<const iovec> iov) {
  if (fd.is_socket) return sys::SendMsg(fd.fd, iov);
  if (fd.is_fifo) return sys::WritevNoSigpipe(fd.fd, iov);
  return sys::Writev(fd.fd, iov);
}

namespace {

// Refusal says why pkt must not be written, or nothing.
std::optional<Error> Refusal(const LinkConfig& link, const TxLive& live,
                             const PacketBufferPtr& pkt) {
  if (!pkt) {
    return Error{Errc::kInvalidArgument, 0,
                 "fdbased: WritePackets was given a null packet"};
  }
  if (pkt->LinkHeaderSize() != link.link_header_size) {
    return Error{Errc::kInvalidArgument, 0,
                 "fdbased: WritePackets was given a packet without its link "
                 "header; call AddHeader with MaxHeaderLength() of headroom"};
  }
  if (live.max_packet_size > 0 && pkt->Size() > live.max_packet_size &&
      pkt->gso_options().type == GSOType::kNone) {
    return Error{Errc::kMessageTooLong, 0,
                 "fdbased: WritePackets was given a packet larger than MTU() + "
                 "MaxHeaderLength() without GSO"};
  }
  return std::nullopt;
}

// Target is the index of the fd pkt goes to.
size_t Target(const LinkConfig& link, size_t nfds, PacketBuffer& pkt) {
  if (nfds == 1) return 0;
  uint32_t h = pkt.hash();
  if (h == 0) {
    h = FlowHash(link.flow_seed, pkt.network_protocol(), pkt.NetworkPacket());
  }
  return h % nfds;
}

}  // namespace

Result<size_t> WritePacketsTo(const LinkConfig& link, const TxLive& live,
                              std::span<FdState* const> fds,
                              std::span<const PacketBufferPtr> pkts) {
  if (live.closed != nullptr && live.closed->load(std::memory_order_acquire)) {
    return Error{Errc::kClosed, 0, "fdbased: WritePackets after Close()"};
  }
  size_t total = 0;
  size_t i = 0;
  while (i < pkts.size()) {
    const size_t target =
        pkts[i] ? Target(link, fds.size(), *pkts[i]) : size_t{0};
    if (std::optional<Error> no = Refusal(link, live, pkts[i])) {
      std::atomic<uint64_t>& counter = no->code == Errc::kMessageTooLong
                                           ? fds[target]->tx_oversized
                                           : fds[target]->tx_invalid;
      counter.fetch_add(1, std::memory_order_relaxed);
      if (total > 0) return total;
      return *no;
    }
    size_t j = i + 1;
    while (j < pkts.size() && pkts[j] &&
           Target(link, fds.size(), *pkts[j]) == target &&
           !Refusal(link, live, pkts[j])) {
      ++j;
    }
    FdState& fd = *fds[target];
    GroupResult g = WriteGroup(link, live.switches, fd, pkts.subspan(i, j - i));
    total += g.written;
    if (g.error && g.refused) {
      if (total > 0) return total;
      return *g.error;
    }
    if (g.error) {
      if (g.error->code == Errc::kWouldBlock) {
        fd.tx_would_block.fetch_add(1, std::memory_order_relaxed);
        return total;  // A normal outcome: the caller retries the rest.
      }
      fd.tx_errors.fetch_add(1, std::memory_order_relaxed);
      if (total > 0) return total;
      return *g.error;
    }
    i = j;
  }
  return total;
}

}  // namespace fdlink::fdbased
