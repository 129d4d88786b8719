// The offload switches `fdlink serve` and `fdlink demo` share: every
// offload is on by default (a TUN is opened with a virtio-net header and
// TUNSETOFFLOAD), and each can be turned off because kernels and drivers in
// the field break each of them.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_OFFLOAD_FLAGS_H_
#define FDLINK_TOOLS_FDLINK_COMMON_OFFLOAD_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "common/json.h"
#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// OffloadSwitches are the --no-* flags; all false means every offload on.
struct OffloadSwitches {
  bool no_offload = false;  // --no-offload: no virtio-net header, no offload.
  bool no_gso = false;      // --no-gso: fdlink writes no super-packets.
  bool no_tcp_gro = false;  // --no-tcp-gro: no TCP super-packets inbound.
  bool no_udp_gro = false;  // --no-udp-gro: no UDP super-packets inbound.
  bool no_csum_offload = false;  // --no-csum-offload: full checksums.
};

// AddOffloadFlags registers the five switches on `sub`, storing into *s
// (which must outlive the parse).
void AddOffloadFlags(CLI::App* sub, OffloadSwitches* s);

// CheckOffloadSwitches returns a usage error message ("--no-offload already
// turns every offload off; drop --no-gso"), or "" when the combination is
// fine.
std::string CheckOffloadSwitches(const OffloadSwitches& s);

// TunVnetHeader is whether a TUN is opened with IFF_VNET_HDR: unless
// --no-offload.
bool TunVnetHeader(const OffloadSwitches& s);

// TunOffloadMask is device::TunOptions::offloads for the switches: every
// TUN_F_* bit, less TSO4/TSO6 for --no-tcp-gro, USO4/USO6 for
// --no-udp-gro, and everything for --no-csum-offload (the kernel takes
// TSO/USO only with CSUM) or --no-offload.
uint32_t TunOffloadMask(const OffloadSwitches& s);

// EndpointOffloads is fdbased::Options::offload for an fd that carries
// virtio-net headers or not (`vnet_header`) with the TUN_F_* bits the
// kernel accepted (`kernel_offloads`), less what the switches turn off.
fdbased::OffloadOptions EndpointOffloads(const OffloadSwitches& s,
                                         bool vnet_header,
                                         uint32_t kernel_offloads);

// OffloadSummary is one line for people, e.g. "offloads: vnet header,
// kernel csum,tso4,tso6,uso4,uso6; gso on, tcp-gro on, udp-gro on,
// csum-offload on".
std::string OffloadSummary(const fdbased::OffloadOptions& o);

// OffloadJson is the same as a JSON object: {"vnet_header":true,
// "kernel":"csum,tso4,...","kernel_bits":103,"gso":true,"tcp_gro":true,
// "udp_gro":true,"checksum_offload":true}.
Json OffloadJson(const fdbased::OffloadOptions& o);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_OFFLOAD_FLAGS_H_
