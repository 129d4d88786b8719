// The `fdlink bench` subcommand's options: what it measures (the fd-based
// endpoint's receive path next to the bare system-call loop, the "limit")
// and on which descriptors.
#ifndef FDLINK_TOOLS_FDLINK_BENCH_OPTIONS_H_
#define FDLINK_TOOLS_FDLINK_BENCH_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// BenchKind is the kind of descriptor the receiver reads.
enum class BenchKind {
  kSeqpacket,  // AF_UNIX SOCK_SEQPACKET socketpair (lossless, blocking peer).
  kDgram,      // AF_UNIX SOCK_DGRAM socketpair.
  kTun,        // TUN device in a private namespace fed by a kernel socket.
  // The same TUN with a virtio-net header and the kernel's offloads, next to
  // fdlink on the plain TUN (offload against none, in one run).
  kTunOffload,
  // Transmit: fdlink writing into a TUN, a kernel UDP socket counting.
  kTunTx,
  // AF_UNIX SOCK_DGRAM socketpair flooded with runs of a few flows, read
  // by fdlink with its receive GRO on and off (recvmmsg only).
  kGro,
  // AF_PACKET socket on a veth pair in a private namespace, flooded with
  // Ethernet frames from the other end: packet_mmap against recvmmsg.
  kVeth,
};

// BenchKindName is the flag and JSON name ("seqpacket", "dgram", "tun",
// "tun-offload", "tun-tx", "gro", "veth").
std::string_view BenchKindName(BenchKind k);

// BenchOptions are the bench's flags. Empty lists mean "all": every kind
// available (the TUN kinds only as root), both modes, 64 and 1400 bytes,
// 1 and 2 processors.
struct BenchOptions {
  std::vector<BenchKind> kinds;
  std::vector<fdbased::PacketDispatchMode> modes;
  std::vector<size_t> sizes;  // IPv4 packet bytes (headers included).
  std::vector<uint32_t> processors;
  double seconds = 1.0;     // Measured window of each run.
  int rounds = 3;           // Limit/fdlink alternations per case.
  int detach_cycles = 200;  // Attach/detach samples per case (0: none).
  bool json = false;
  bool count_allocs = true;
  bool pin = true;  // Sender on a CPU of its own, receiver on the rest.
  // sniffer adds to the socketpair and TUN cases an fdlink row wrapped in
  // a capture-off sniffer, with its ratio to the unwrapped row.
  bool sniffer = false;
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_BENCH_OPTIONS_H_
