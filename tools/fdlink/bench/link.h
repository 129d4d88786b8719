// BenchLink: one benchmark run's medium — the descriptor the receiver under
// test reads, and the sender that floods it.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_LINK_H_
#define FDLINK_TOOLS_FDLINK_BENCH_LINK_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/flood.h"
#include "bench/options.h"
#include "fdlink/base/result.h"
#include "fdlink/header/mac_address.h"

namespace fdlink::tool {

// kBenchHeaders is the IPv4 and UDP header bytes of every bench packet (no
// IP options), so payload = IP bytes - kBenchHeaders per packet or
// super-packet.
inline constexpr size_t kBenchHeaders = 28;

// BenchLink owns a receive descriptor and its flood. Destroying it stops
// the flood first, then closes everything (a TUN link also tears down its
// namespace).
class BenchLink {
 public:
  virtual ~BenchLink() = default;
  // rx_fd is the descriptor to receive on; borrowed, valid while the link
  // lives.
  virtual int rx_fd() const = 0;
  // flood is the sender (not yet started).
  virtual Flood& flood() = 0;
  // vnet_header says whether every frame on rx_fd starts with a virtio-net
  // header; offloads are the TUN_F_* bits the kernel accepted (0: none).
  virtual bool vnet_header() const { return false; }
  virtual uint32_t offloads() const { return 0; }
  // link_header is the bytes of link header in front of each IP packet (14
  // on the veth link's Ethernet frames, else 0); address is the receiving
  // end's MAC when there is one.
  virtual size_t link_header() const { return 0; }
  virtual MacAddress address() const { return MacAddress(); }
};

// OpenBenchLink builds a fresh link of `kind` whose flood sends `size`-byte
// IPv4/UDP packets: a socketpair (the flood writes the peer end, waiting
// for room rather than dropping) or, for kTun, a TUN device in a new
// network namespace fed by a UDP socket in that namespace that sends
// UDP_SEGMENT buffers (needs root). `offload` (TUN only) opens the device
// with a virtio-net header and the kernel's offloads.
Result<std::unique_ptr<BenchLink>> OpenBenchLink(BenchKind kind, size_t size,
                                                 bool offload = false);

// OpenVethLink is OpenBenchLink for kVeth (veth.cc): AF_PACKET sockets on
// a veth pair in a new network namespace, the flood sending Ethernet frames
// from the other end (needs root).
Result<std::unique_ptr<BenchLink>> OpenVethLink(size_t size);

// OpenTunLink is OpenBenchLink for the TUN kinds (tun.cc).
Result<std::unique_ptr<BenchLink>> OpenTunLink(size_t size, bool offload);

// GroFloodMessages is the GRO case's ring: kFloodFlows `size`-byte packets
// in runs of kGroRunLength consecutive packets of one flow (IPv4 ids
// counting up within a run), so a read batch holds mergeable neighbours.
inline constexpr size_t kGroRunLength = 16;
std::vector<FloodMessage> GroFloodMessages(size_t size);

// TunFloodMessages is the TUN flood's ring: kFloodFlows UDP_SEGMENT
// messages to 198.18.0.2 (one port each), each as many whole `size`-byte
// wire packets as one send takes (at most kMaxFloodSegments). The gVisor
// peer (bench/peers/gvisor/flood.go) builds the same ring.
std::vector<FloodMessage> TunFloodMessages(size_t size);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_LINK_H_
