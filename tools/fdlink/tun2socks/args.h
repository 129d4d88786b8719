// Checks of `fdlink tun2socks`'s flag combination, with messages in the
// CLI's words. Each returns that message, or "" when the flags are fine.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_ARGS_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_ARGS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tun2socks/options.h"

namespace fdlink::tool::tun2socks {

// ParseFwmark reads --fwmark's value (decimal, or hex with 0x: 1 to
// 4294967295) into *mark.
std::string ParseFwmark(std::string_view text, uint32_t* mark);

// CheckTun2socksOptions checks everything that needs no system call:
// --tun's name; exactly one of --socks5 and --direct; --direct with
// exactly one of --fwmark and --bind-device (without either the relay's
// own connections would route back into the TUN), not bound to the TUN
// itself; the SOCKS5 credentials only with --socks5; --pcap-filter only
// with --pcap; the offload switches. On success *mark is --fwmark's value
// (0 without it).
std::string CheckTun2socksOptions(const Tun2socksOptions& o, uint32_t* mark);

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_ARGS_H_
