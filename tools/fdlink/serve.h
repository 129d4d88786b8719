// The `fdlink serve` subcommand: the reference responder on a real link
// until SIGINT or SIGTERM.
#ifndef FDLINK_TOOLS_FDLINK_SERVE_H_
#define FDLINK_TOOLS_FDLINK_SERVE_H_

#include <cstdint>
#include <string>
#include <vector>

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
  bool join = false;  // Serve a link that another process serves too.
  bool json = false;  // stdout is JSON Lines: ready, stopped or error.
};

// RunServe serves until SIGINT/SIGTERM, until the peer of --fd hangs up, or
// until the link goes away (interface deleted, fd error); then detaches,
// prints the counters and returns the exit status: 0 after a signal or a
// peer hang-up, 1 when the link went away or failed to open, 2 for bad
// arguments. A TUN/TAP device that another process holds, or an interface
// another fdlink serves through AF_PACKET, is refused (naming the holder)
// unless opts.join.
int RunServe(const ServeOptions& opts);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_SERVE_H_
