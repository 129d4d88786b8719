// LinkConfig: the endpoint's options resolved once, against the fds, into
// what the receive loops and the writer read. Immutable after Create.
#ifndef FDLINK_SRC_LINK_FDBASED_LINK_CONFIG_H_
#define FDLINK_SRC_LINK_FDBASED_LINK_CONFIG_H_

#include <cstddef>
#include <cstdint>

#include "fdlink/link/fdbased/options.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::fdbased {

// ReceiveConfig is the receive part: how the loops read and deliver.
struct ReceiveConfig {
  // Mode is the dispatch mode in use: kRecvMMsg only when it was asked for
  // and every fd is a socket, kPacketMmap when asked for and every fd is an
  // AF_PACKET socket, kIoUring when asked for (Endpoint::Create then probes
  // the kernel and sets up the rings, and may fall back to kReadv).
  PacketDispatchMode mode = PacketDispatchMode::kReadv;
  size_t batch = kMaxMsgsPerRecv;  // Options.max_msgs_per_recv.
  size_t ring_frames = 0;    // Options.packet_mmap_frames (0: the default).
  size_t uring_buffers = 0;  // Options.io_uring_buffers (0: the default).
  uint32_t processors = 1;   // Per channel, resolved (>= 1).
  bool checksum_offload = false;  // Mark inbound checksums as validated.
};

// TransmitConfig is the transmit part: what the writer adds and allows.
struct TransmitConfig {
  int max_syscall_header_bytes = 0;  // 0: no cap beyond kBatchSize.
  // The writer's offloads are in LinkConfig::offload (tx_gso_*,
  // checksum_offload).
};

// LinkConfig is one endpoint's resolved configuration. Readers and the
// writer take it by const reference; nothing in it changes after Create
// (the MTU and MAC address, which may, are the endpoint's atomics).
struct LinkConfig {
  uint32_t capabilities = 0;      // LinkEndpointCapabilities bits.
  uint16_t link_header_size = 0;  // 0, or 14 with an Ethernet header.
  // VnetHeaderSize is 10 (header::kVirtioNetHeaderSize) exactly when
  // offload.vnet_header: a virtio-net header precedes every frame both
  // ways. Else 0.
  uint16_t vnet_header_size = 0;
  uint32_t gso_max_size = 0;  // 0: GSO off.
  GSOKind supported_gso = GSOKind::kNone;
  uint32_t flow_seed = 0;  // Seeds the flow hash (processors, fd choice).
  ReceiveConfig rx;
  TransmitConfig tx;
  // Offload is Options.offload resolved (see OffloadsInEffect): the one
  // answer the readers, the delivery path and the writer all read.
  OffloadsInEffect offload;
  // ModeFallback says, when rx.mode is not the requested dispatch mode,
  // why (a static string naming what is missing, e.g. "io_uring: the
  // kernel has no IORING_OP_READ_MULTISHOT (Linux 6.7)"); empty when the
  // requested mode is in effect.
  const char* mode_fallback = "";
};

// ResolveOffloads resolves validated offload options (see
// OffloadsInEffect for what each field needs).
OffloadsInEffect ResolveOffloads(const OffloadOptions& o);

// ResolveLinkConfig resolves validated `opts` for fds of which
// `all_sockets` says whether every one is a socket (recvmmsg and GSO need
// that) and `all_packet_sockets` whether every one is an AF_PACKET socket
// (packet_mmap needs that). The flow seed is random; `cores` is the CPUs
// the processor count defaults against.
LinkConfig ResolveLinkConfig(const Options& opts, bool all_sockets,
                             unsigned cores, bool all_packet_sockets = false);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_LINK_CONFIG_H_
