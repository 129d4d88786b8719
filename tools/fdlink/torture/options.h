// The `fdlink torture` subcommand's options.
#ifndef FDLINK_TOOLS_FDLINK_TORTURE_OPTIONS_H_
#define FDLINK_TOOLS_FDLINK_TORTURE_OPTIONS_H_

#include <sys/socket.h>

#include <cstdint>

#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// TortureLink is what the endpoint's fds are.
enum class TortureLink {
  kAuto,        // A veth pair for packet_mmap, socketpairs otherwise.
  kSocketpair,  // AF_UNIX socketpairs of `socket_type`.
  kVeth,        // AF_PACKET sockets on a veth pair in a private namespace.
};

// TortureOptions are the torture's flags. The run stops at `seconds` or
// after `cycles` attach/detach cycles (0: no limit), whichever comes first.
struct TortureOptions {
  double seconds = 10.0;
  uint64_t cycles = 0;
  uint32_t fds = 2;
  uint32_t processors = 2;
  fdbased::PacketDispatchMode mode = fdbased::PacketDispatchMode::kRecvMMsg;
  bool json = false;
  // MaxPauseUs bounds the random pause between an attach and its detach.
  uint32_t max_pause_us = 1000;
  // SocketType of the socketpairs: SOCK_SEQPACKET (a peer close reaches the
  // endpoint as a hang-up) or SOCK_DGRAM (Linux does not signal it).
  int socket_type = SOCK_SEQPACKET;
  TortureLink link = TortureLink::kAuto;
  // HangMs: the watchdog fails the run when one call takes longer.
  uint32_t hang_ms = 5000;
  // Seed for every random choice; 0 picks one (printed in the result).
  uint64_t seed = 0;
};

// EffectiveLink resolves kAuto for the options' mode.
inline TortureLink EffectiveLink(const TortureOptions& o) {
  if (o.link != TortureLink::kAuto) return o.link;
  return o.mode == fdbased::PacketDispatchMode::kPacketMmap
             ? TortureLink::kVeth
             : TortureLink::kSocketpair;
}

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_TORTURE_OPTIONS_H_
