#include "torture/traffic.h"

#include <sys/socket.h>

#include <span>

#include "common/flow_packets.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/udp.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

// kSendBatch packets go out per sendmmsg.
constexpr size_t kSendBatch = 32;
// kDrainBatch is the most endpoint-written packets read back per round.
constexpr size_t kDrainBatch = 64;

}  // namespace

std::vector<std::vector<uint8_t>> FloodPackets(size_t count, bool ethernet) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < count; ++i) {
    std::vector<uint8_t> ip = FlowPacket(i, 46 + (i * 37) % 383);
    if (!ethernet) {
      out.push_back(std::move(ip));
      continue;
    }
    std::vector<uint8_t> f(header::kEthernetHeaderSize + ip.size());
    header::MutableEthernet eth{std::span<uint8_t>(f)};
    eth.SetDst(MacAddress::Broadcast().bytes());
    eth.SetSrc(MacAddress::FromU64(0x02000000AA00 + i).bytes());
    eth.SetEtherType(kIPv4ProtocolNumber);
    std::copy(ip.begin(), ip.end(), f.begin() + header::kEthernetHeaderSize);
    out.push_back(std::move(f));
  }
  return out;
}

bool IsFloodPacket(NetworkProtocolNumber protocol, PacketBuffer& pkt) {
  if (protocol != kIPv4ProtocolNumber) return false;
  std::span<const uint8_t> ip = pkt.NetworkPacket();
  if (ip.size() < header::kIpv4MinimumSize + header::kUdpMinimumSize)
    return false;
  const size_t total = (size_t{ip[2]} << 8) | ip[3];
  return (ip[0] >> 4) == 4 && total == ip.size();
}

void FloodPeer(UniqueFd& peer, const std::vector<std::vector<uint8_t>>& packets,
               PeerControl& ctl, TortureCounters& counters,
               WatchdogSlot* slot) {
  const int fd = peer.get();
  std::vector<iovec> iovs;
  for (const auto& p : packets) iovs.push_back(sys::MakeIovec(p));
  std::vector<mmsghdr> msgs(kSendBatch);
  std::vector<uint8_t> rx(70000);
  size_t next = 0;
  while (!ctl.stop.load(std::memory_order_relaxed)) {
    if (ctl.close_now.load()) {
      OpScope op(slot, "close peer end");
      peer.reset();
      counters.peer_closes.fetch_add(1);
      return;
    }
    for (mmsghdr& m : msgs) {
      m = mmsghdr{};
      m.msg_hdr.msg_iov = &iovs[next];
      m.msg_hdr.msg_iovlen = 1;
      next = (next + 1) % iovs.size();
    }
    Result<size_t> n = [&] {
      OpScope op(slot, "sendmmsg to the endpoint");
      return sys::SendMmsg(fd, msgs);
    }();
    if (n) {
      counters.sent.fetch_add(*n, std::memory_order_relaxed);
    } else if (n.error().code == Errc::kWouldBlock) {
      counters.send_would_block.fetch_add(1, std::memory_order_relaxed);
      OpScope op(slot, "poll(POLLOUT) on the peer");
      (void)sys::WaitWritable(fd, 2);
    } else {
      counters.send_errors.fetch_add(1, std::memory_order_relaxed);
      OpScope op(slot, "poll(POLLOUT) after a send error");
      (void)sys::WaitWritable(fd, 2);
    }
    // Read back what WritePackets sent, so its writes keep going through.
    OpScope op(slot, "read from the endpoint");
    for (size_t i = 0; i < kDrainBatch; ++i) {
      if (!sys::Read(fd, rx)) break;
    }
  }
}

}  // namespace fdlink::tool
