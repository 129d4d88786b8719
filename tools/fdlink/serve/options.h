// The `fdlink serve` subcommand's options.
#ifndef FDLINK_TOOLS_FDLINK_SERVE_OPTIONS_H_
#define FDLINK_TOOLS_FDLINK_SERVE_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/offload_flags.h"
#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// ServeOptions are serve's flags. Exactly one of tun, tap, packet_socket
// (non-empty) or fd (>= 0) names the link.
struct ServeOptions {
  std::string tun, tap, packet_socket;
  int fd = -1;
  std::vector<std::string> addrs;         // Responder addresses (CIDR/IP).
  std::vector<std::string> device_addrs;  // Kernel-side CIDRs.
  fdbased::PacketDispatchMode mode = fdbased::PacketDispatchMode::kReadv;
  int queues = 1;
  uint32_t processors = 0;  // Per fd; 0 lets the endpoint choose.
  int mtu = 0;              // 0: keep the device's MTU (1500 for --fd).
  std::vector<uint16_t> udp_echo_ports;  // Empty: port 7.
  bool ethernet = false;                 // --fd frames carry Ethernet.
  bool join = false;        // Serve a link that another process serves too.
  bool json = false;        // stdout is JSON Lines: ready, stopped or error.
  OffloadSwitches offload;  // --no-offload, --no-gso, ...: all on by default.
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_SERVE_OPTIONS_H_
