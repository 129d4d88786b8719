#include "link/fdbased/link_config.h"

#include <algorithm>
#include <random>

#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"

namespace fdlink::fdbased {

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
  if (opts.gso_max_size > 0 && all_sockets) {
    c.gso_max_size = opts.gso_max_size;
    if (opts.software_gso) {
      c.supported_gso = GSOKind::kGVisorGSO;
    } else {
      c.supported_gso = GSOKind::kHostGSO;
      c.vnet_header_size = header::kVirtioNetHeaderSize;
    }
  }
  c.flow_seed = std::random_device{}();

  if (opts.dispatch_mode == PacketDispatchMode::kRecvMMsg && all_sockets)
    c.rx.mode = PacketDispatchMode::kRecvMMsg;
  if (opts.dispatch_mode == PacketDispatchMode::kPacketMmap &&
      all_packet_sockets)
    c.rx.mode = PacketDispatchMode::kPacketMmap;
  if (opts.packet_mmap_frames != 0) c.rx.ring_frames = opts.packet_mmap_frames;
  c.rx.batch = opts.max_msgs_per_recv;
  c.rx.processors = opts.processors_per_channel;
  if (c.rx.processors == 0) {
    c.rx.processors =
        std::max<uint32_t>(1, cores / static_cast<uint32_t>(opts.fds.size()));
  }
  c.rx.checksum_offload = opts.rx_checksum_offload;

  c.tx.max_syscall_header_bytes = opts.max_syscall_header_bytes;
  c.tx.gso = c.supported_gso != GSOKind::kNone;
  return c;
}

}  // namespace fdlink::fdbased
