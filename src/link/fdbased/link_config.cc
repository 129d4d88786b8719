#include "link/fdbased/link_config.h"

#include <algorithm>
#include <random>

#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/offload/offload_bits.h"

namespace fdlink::fdbased {

OffloadsInEffect ResolveOffloads(const OffloadOptions& o) {
  using offload::kTunFCsum, offload::kTunFTso4, offload::kTunFTso6,
      offload::kTunFUso4, offload::kTunFUso6;
  OffloadsInEffect e;
  e.vnet_header = o.vnet_header;
  e.kernel_offloads = o.vnet_header ? o.kernel_offloads : 0;
  e.rx_gro_tcp = o.tcp_gro;
  e.rx_gro_udp = o.udp_gro;
  const uint32_t k = e.kernel_offloads;
  const bool csum = (k & kTunFCsum) != 0;
  e.checksum_offload = o.checksum_offload && csum;
  const bool gso = o.gso && csum;
  e.tx_gso_tcp4 = gso && (k & kTunFTso4) != 0;
  e.tx_gso_tcp6 = gso && (k & kTunFTso6) != 0;
  e.tx_gso_udp = gso && (k & kTunFUso4) != 0 && (k & kTunFUso6) != 0;
  return e;
}

LinkConfig ResolveLinkConfig(const Options& opts, bool all_sockets,
                             unsigned cores, bool all_packet_sockets) {
  LinkConfig c;
  if (opts.ethernet_header) {
    c.link_header_size = header::kEthernetHeaderSize;
    c.capabilities |= kCapabilityResolutionRequired;
  }
  if (opts.rx_checksum_offload) c.capabilities |= kCapabilityRXChecksumOffload;
  if (opts.tx_checksum_offload) c.capabilities |= kCapabilityTXChecksumOffload;
  if (opts.save_restore) c.capabilities |= kCapabilitySaveRestore;
  c.offload = ResolveOffloads(opts.offload);
  if (c.offload.vnet_header) c.vnet_header_size = header::kVirtioNetHeaderSize;
  // Host GSO writes through the virtio-net header (ValidateOptions made
  // sure there is one), on any fd; gVisor's software GSO needs sockets.
  if (opts.gso_max_size > 0 && !opts.software_gso && c.offload.vnet_header) {
    c.gso_max_size = opts.gso_max_size;
    c.supported_gso = GSOKind::kHostGSO;
  } else if (opts.gso_max_size > 0 && opts.software_gso && all_sockets) {
    c.gso_max_size = opts.gso_max_size;
    c.supported_gso = GSOKind::kGVisorGSO;
  }
  c.flow_seed = std::random_device{}();

  if (opts.dispatch_mode == PacketDispatchMode::kRecvMMsg && all_sockets)
    c.rx.mode = PacketDispatchMode::kRecvMMsg;
  if (opts.dispatch_mode == PacketDispatchMode::kPacketMmap &&
      all_packet_sockets)
    c.rx.mode = PacketDispatchMode::kPacketMmap;
  if (opts.dispatch_mode == PacketDispatchMode::kIoUring)
    c.rx.mode = PacketDispatchMode::kIoUring;
  if (c.rx.mode != opts.dispatch_mode) {
    switch (opts.dispatch_mode) {
      case PacketDispatchMode::kRecvMMsg:
        c.mode_fallback = "recvmmsg: not every fd is a socket";
        break;
      case PacketDispatchMode::kPacketMmap:
        c.mode_fallback = "packet_mmap: not every fd is an AF_PACKET socket";
        break;
      case PacketDispatchMode::kIoUring:
      case PacketDispatchMode::kReadv:
        break;
    }
  }
  c.rx.ring_frames = opts.packet_mmap_frames;
  c.rx.uring_buffers = opts.io_uring_buffers;
  c.rx.batch = opts.max_msgs_per_recv;
  c.rx.processors = opts.processors_per_channel;
  if (c.rx.processors == 0) {
    c.rx.processors =
        std::max<uint32_t>(1, cores / static_cast<uint32_t>(opts.fds.size()));
  }
  c.rx.checksum_offload = opts.rx_checksum_offload;

  c.tx.max_syscall_header_bytes = opts.max_syscall_header_bytes;
  return c;
}

}  // namespace fdlink::fdbased
