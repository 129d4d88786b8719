// The `fdlink tun2socks` subcommand's options.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_OPTIONS_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_OPTIONS_H_

#include <cstdint>
#include <string>

#include "common/offload_flags.h"
#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// Tun2socksOptions are tun2socks's flags, as given (checked by
// CheckTun2socksOptions).
struct Tun2socksOptions {
  std::string tun;                       // The TUN device (created if missing).
  std::string socks5;                    // HOST:PORT of a SOCKS5 server, or "".
  std::string socks5_user, socks5_pass;  // RFC 1929 credentials.
  bool direct = false;                   // Dial destinations directly.
  std::string fwmark;                    // --fwmark as written ("1", "0x1").
  std::string bind_device;               // --bind-device DEV.
  int mtu = 0;                           // 0: keep the device's MTU.
  int queues = 1;
  int txqueuelen = 4096;  // 0: keep the device's queue length.
  fdbased::PacketDispatchMode mode = fdbased::PacketDispatchMode::kReadv;
  std::string pcap;            // Capture every packet to this pcap file.
  std::string pcap_filter;     // Capture only what this tcpdump filter takes.
  bool json = false;           // stdout is JSON Lines.
  int stats_interval_ms = 0;   // > 0: a stats event this often.
  int dial_timeout_ms = 5000;  // Connect (and handshake) bound.
  int idle_timeout_s = 300;    // Established TCP without bytes.
  int udp_timeout_s = 60;      // UDP flow without datagrams.
  int max_connections = 4096;  // TCP flows at once.
  int max_udp_flows = 1024;    // UDP flows at once.
  int send_buffer_kib = 1024;  // lwIP's send buffer per TCP connection.
  OffloadSwitches offload;  // --no-offload, --no-gso, ...: all on by default.
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_OPTIONS_H_
