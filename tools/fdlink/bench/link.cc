#include "bench/link.h"

#include <sys/socket.h>

#include "common/flow_packets.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {
namespace {

// SocketpairLink: the receiver reads one end, the flood writes the other.
class SocketpairLink final : public BenchLink {
 public:
  SocketpairLink(UniqueFd rx, UniqueFd tx, std::vector<FloodMessage> msgs)
      : rx_(std::move(rx)),
        tx_(std::move(tx)),
        flood_(tx_.get(), std::move(msgs)) {}
  int rx_fd() const override { return rx_.get(); }
  Flood& flood() override { return flood_; }

 private:
  UniqueFd rx_;
  UniqueFd tx_;
  Flood flood_;  // Last: stopped before the fds close.
};

}  // namespace

std::vector<FloodMessage> GroFloodMessages(size_t size) {
  std::vector<FloodMessage> msgs;
  for (size_t i = 0; i < kFloodFlows; ++i) {
    std::vector<uint8_t> p = FlowPacket(i / kGroRunLength, size);
    header::MutableIpv4 ip{std::span<uint8_t>(p)};
    ip.SetId(static_cast<uint16_t>(i % kGroRunLength));
    ip.SetChecksum(ip.CalculateChecksum());
    msgs.push_back(FloodMessage{std::move(p), {}, 0});
  }
  return msgs;
}

Result<std::unique_ptr<BenchLink>> OpenBenchLink(BenchKind kind, size_t size,
                                                 bool offload) {
  if (kind == BenchKind::kTun || kind == BenchKind::kTunOffload)
    return OpenTunLink(size, offload);
  if (kind == BenchKind::kVeth) return OpenVethLink(size);
  UniqueFd rx, tx;
  const int type = kind == BenchKind::kSeqpacket ? SOCK_SEQPACKET : SOCK_DGRAM;
  if (Result<void> r = sys::SocketPair(type, &rx, &tx); !r) return r.error();
  if (Result<void> r = sys::SetNonBlocking(tx.get()); !r) return r.error();
  std::vector<FloodMessage> msgs;
  if (kind == BenchKind::kGro) {
    msgs = GroFloodMessages(size);
  } else {
    for (std::vector<uint8_t>& p : BenchPackets(size))
      msgs.push_back(FloodMessage{std::move(p), {}, 0});
  }
  return std::unique_ptr<BenchLink>(
      new SocketpairLink(std::move(rx), std::move(tx), std::move(msgs)));
}

}  // namespace fdlink::tool
