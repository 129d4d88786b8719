#include "link/fdbased/link_config.h"

#include <algorithm>
#include <random>

#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/offload/offload_bits.h"

namespace fdlink::fdbased {

LinkConfig ResolveLinkConfig(const Options& opts, bool all_sockets,
                             unsigned cores) {
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
  if (opts.offload.vnet_header) {
    c.vnet_header_size = header::kVirtioNetHeaderSize;
    c.tx.kernel_offloads = opts.offload.kernel_offloads;
  } else if (c.vnet_header_size > 0) {
    c.tx.kernel_offloads = kPacketSocketOffloads;
  }
  c.flow_seed = std::random_device{}();

  if (opts.dispatch_mode == PacketDispatchMode::kRecvMMsg && all_sockets)
    c.rx.mode = PacketDispatchMode::kRecvMMsg;
  c.rx.batch = opts.max_msgs_per_recv;
  c.rx.processors = opts.processors_per_channel;
  if (c.rx.processors == 0) {
    c.rx.processors =
        std::max<uint32_t>(1, cores / static_cast<uint32_t>(opts.fds.size()));
  }
  c.rx.checksum_offload = opts.rx_checksum_offload;

  c.tx.max_syscall_header_bytes = opts.max_syscall_header_bytes;
  c.tx.gso_writes = c.vnet_header_size > 0 && opts.offload.gso;
  c.tx.checksum_offload = c.vnet_header_size > 0 &&
                          (c.tx.kernel_offloads & offload::kTunFCsum) != 0 &&
                          opts.offload.checksum_offload;
  return c;
}

}  // namespace fdlink::fdbased
