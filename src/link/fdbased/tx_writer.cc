#include "link/fdbased/tx_writer.h"

#include <sys/socket.h>

#include <array>
#include <optional>

#include "fdlink/link/fdbased/options.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/flow_hash.h"
#include "link/fdbased/vnet_header.h"

namespace fdlink::fdbased {

Result<size_t> WriteFrame(const FdState& fd, std::span<const iovec> iov) {
  if (fd.is_socket) return sys::SendMsg(fd.fd, iov);
  if (fd.is_fifo) return sys::WritevNoSigpipe(fd.fd, iov);
  return sys::Writev(fd.fd, iov);
}

namespace {

// Scratch is one thread's reusable write buffers, so a steady stream of
// writes allocates nothing.
struct Scratch {
  std::vector<mmsghdr> msgs;
  std::vector<iovec> iovs;
  std::vector<std::array<uint8_t, header::kVirtioNetHeaderSize>> vnets;
  std::vector<std::vector<uint8_t>> flat;  // Packets with too many slices.
};
thread_local Scratch tls_scratch;

// AppendIovecs adds pkt's iovecs (virtio-net header first when configured)
// to s.iovs and returns how many it added.
size_t AppendIovecs(const LinkConfig& link, const PacketBuffer& pkt, Scratch& s,
                    size_t vnet_slot) {
  size_t added = 0;
  if (link.vnet_header_size > 0) {
    EncodeVnetHeader(pkt, link.link_header_size, s.vnets[vnet_slot]);
    s.iovs.push_back(sys::MakeIovec(s.vnets[vnet_slot]));
    ++added;
  }
  if (pkt.SliceCount() + added > kMaxIovs) {
    // Too many pieces for one syscall: flatten (rare; huge chained packets).
    s.flat.push_back(pkt.ToBytes());
    s.iovs.push_back(sys::MakeIovec(s.flat.back()));
    return added + 1;
  }
  pkt.ForEachSlice([&](std::span<const uint8_t> b) {
    s.iovs.push_back(sys::MakeIovec(b));
    ++added;
  });
  return added;
}

// Outcome of writing one fd's group.
struct GroupResult {
  size_t written = 0;
  std::optional<Error> error;  // Set when stopped early (incl. would-block).
};

void CountWritten(FdState& fd, std::span<const PacketBufferPtr> pkts) {
  uint64_t bytes = 0;
  for (const PacketBufferPtr& p : pkts) bytes += p->Size();
  fd.tx_packets.fetch_add(pkts.size(), std::memory_order_relaxed);
  fd.tx_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

GroupResult WriteOneByOne(const LinkConfig& link, FdState& fd,
                          std::span<const PacketBufferPtr> pkts) {
  Scratch& s = tls_scratch;
  if (s.vnets.empty()) s.vnets.resize(kBatchSize);
  GroupResult r;
  for (const PacketBufferPtr& p : pkts) {
    s.iovs.clear();
    s.flat.clear();
    AppendIovecs(link, *p, s, 0);
    Result<size_t> n = WriteFrame(fd, s.iovs);
    if (!n) {
      r.error = n.error();
      return r;
    }
    CountWritten(fd, std::span(&p, 1));
    ++r.written;
  }
  return r;
}

GroupResult WriteBatched(const LinkConfig& link, FdState& fd,
                         std::span<const PacketBufferPtr> pkts) {
  Scratch& s = tls_scratch;
  if (s.vnets.size() < kBatchSize) s.vnets.resize(kBatchSize);
  const size_t cap = static_cast<size_t>(link.tx.max_syscall_header_bytes);
  GroupResult r;
  size_t i = 0;
  while (i < pkts.size()) {
    // Build one batch: at most kBatchSize messages and, when capped, at most
    // `cap` bytes of mmsghdr + iovec.
    s.msgs.clear();
    s.iovs.clear();
    s.flat.clear();
    s.iovs.reserve(kBatchSize * 8);
    s.flat.reserve(kBatchSize);
    size_t header_bytes = 0;
    size_t j = i;
    while (j < pkts.size() && s.msgs.size() < kBatchSize) {
      const size_t before = s.iovs.size();
      const size_t n = AppendIovecs(link, *pkts[j], s, s.msgs.size());
      const size_t cost = sizeof(mmsghdr) + n * sizeof(iovec);
      if (cap > 0 && header_bytes + cost > cap) {
        s.iovs.resize(before);
        break;
      }
      header_bytes += cost;
      mmsghdr m{};
      m.msg_hdr.msg_iovlen = n;
      m.msg_len = static_cast<unsigned>(before);  // Iovec index until sent.
      s.msgs.push_back(m);
      ++j;
    }
    if (s.msgs.empty()) {
      // A packet that alone exceeds the cap goes out through writev.
      GroupResult one = WriteOneByOne(link, fd, pkts.subspan(i, 1));
      r.written += one.written;
      if (one.error) {
        r.error = one.error;
        return r;
      }
      ++i;
      continue;
    }
    // The iovec array is final now; point each message at its iovecs.
    for (mmsghdr& m : s.msgs) {
      m.msg_hdr.msg_iov = &s.iovs[m.msg_len];
      m.msg_len = 0;
    }
    size_t sent = 0;
    while (sent < s.msgs.size()) {
      Result<size_t> n = sys::SendMmsg(fd.fd, std::span(s.msgs).subspan(sent));
      if (!n) {
        CountWritten(fd, pkts.subspan(i, sent));
        r.written += sent;
        r.error = n.error();
        return r;
      }
      sent += *n;  // A partial send continues with the rest.
    }
    CountWritten(fd, pkts.subspan(i, sent));
    r.written += sent;
    i = j;
  }
  return r;
}

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
      !(link.tx.gso && pkt->gso_options().type != GSOType::kNone)) {
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
    GroupResult g = fd.is_socket
                        ? WriteBatched(link, fd, pkts.subspan(i, j - i))
                        : WriteOneByOne(link, fd, pkts.subspan(i, j - i));
    total += g.written;
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
