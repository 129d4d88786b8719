// The torture's traffic: the flood the peers send (valid IPv4/UDP packets
// with varied ports, so the flow hash spreads them over processors), the
// check each delivered packet must pass, and the peer writer loop.
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_TRAFFIC_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_TRAFFIC_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/sys/unique_fd.h"
#include "torture/state.h"
#include "torture/watchdog.h"

namespace fdlink::tool {

// FloodPackets builds `count` IPv4/UDP packets (198.18.0.0/24 to
// 198.19.0.0/24, 18..400 payload bytes, valid checksums), each with its own
// port pair. With `ethernet` each is a frame to the broadcast address, which
// the endpoint accepts whatever its MAC is at the time.
std::vector<std::vector<uint8_t>> FloodPackets(size_t count, bool ethernet);

// IsFloodPacket checks a delivered packet: IPv4, and its total length
// matches the bytes after the consumed link header.
bool IsFloodPacket(NetworkProtocolNumber protocol, PacketBuffer& pkt);

// PeerControl is what one peer writer is told by other threads.
struct PeerControl {
  std::atomic<bool> stop{false};       // Stop writing; keep the fd open.
  std::atomic<bool> close_now{false};  // Close the peer end, then stop.
};

// FloodPeer writes `packets` to `peer` (non-blocking sendmmsg; EAGAIN is
// counted and waited out for at most a few ms), and reads back whatever the
// endpoint wrote, until told to stop. Asked to close, it closes `peer`
// itself, so no thread can ever write to a reused fd number.
void FloodPeer(UniqueFd& peer, const std::vector<std::vector<uint8_t>>& packets,
               PeerControl& ctl, TortureCounters& counters, WatchdogSlot* slot);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_TRAFFIC_H_
