#include "common/offload_flags.h"

#include "fdlink/device/tun.h"
#include "fdlink/offload/offload_bits.h"

namespace fdlink::tool {
namespace {

const char* OnOff(bool on) { return on ? "on" : "off"; }

}  // namespace

void AddOffloadFlags(CLI::App* sub, OffloadSwitches* s) {
  sub->add_flag("--no-offload", s->no_offload,
                "Open a TUN without a virtio-net header and turn every "
                "offload below off");
  sub->add_flag("--no-gso", s->no_gso,
                "Write no super-packets: split them and coalesce nothing");
  sub->add_flag("--no-tcp-gro", s->no_tcp_gro,
                "Take no TCP super-packets in: no TSO from the kernel, no "
                "TCP coalescing of what is read");
  sub->add_flag("--no-udp-gro", s->no_udp_gro,
                "Take no UDP super-packets in: no USO from the kernel, no "
                "UDP coalescing of what is read");
  sub->add_flag("--no-csum-offload", s->no_csum_offload,
                "Complete every checksum (no TUN_F_CSUM, and so no TSO/USO "
                "from the kernel either)");
}

std::string CheckOffloadSwitches(const OffloadSwitches& s) {
  if (!s.no_offload) return "";
  const char* also = s.no_gso            ? "--no-gso"
                     : s.no_tcp_gro      ? "--no-tcp-gro"
                     : s.no_udp_gro      ? "--no-udp-gro"
                     : s.no_csum_offload ? "--no-csum-offload"
                                         : nullptr;
  if (also == nullptr) return "";
  return std::string("--no-offload already turns every offload off; drop ") +
         also;
}

bool TunVnetHeader(const OffloadSwitches& s) { return !s.no_offload; }

uint32_t TunOffloadMask(const OffloadSwitches& s) {
  if (s.no_offload || s.no_csum_offload) return 0;
  uint32_t mask = device::kTunAllOffloads;
  if (s.no_tcp_gro) mask &= ~(offload::kTunFTso4 | offload::kTunFTso6);
  if (s.no_udp_gro) mask &= ~(offload::kTunFUso4 | offload::kTunFUso6);
  return mask;
}

fdbased::OffloadOptions EndpointOffloads(const OffloadSwitches& s,
                                         bool vnet_header,
                                         uint32_t kernel_offloads) {
  fdbased::OffloadOptions o;
  o.vnet_header = vnet_header;
  o.kernel_offloads = vnet_header ? kernel_offloads : 0;
  o.gso = !s.no_offload && !s.no_gso;
  o.tcp_gro = !s.no_offload && !s.no_tcp_gro;
  o.udp_gro = !s.no_offload && !s.no_udp_gro;
  o.checksum_offload = !s.no_offload && !s.no_csum_offload;
  return o;
}

std::string OffloadSummary(const fdbased::OffloadOptions& o) {
  std::string s = "offloads: ";
  s += o.vnet_header ? "vnet header, kernel " +
                           device::DescribeTunOffloads(o.kernel_offloads)
                     : std::string("no vnet header");
  s += std::string("; gso ") + OnOff(o.gso) + ", tcp-gro " + OnOff(o.tcp_gro) +
       ", udp-gro " + OnOff(o.udp_gro) + ", csum-offload " +
       OnOff(o.checksum_offload);
  return s;
}

Json OffloadJson(const fdbased::OffloadOptions& o) {
  return Json{{"vnet_header", o.vnet_header},
              {"kernel", device::DescribeTunOffloads(o.kernel_offloads)},
              {"kernel_bits", o.kernel_offloads},
              {"gso", o.gso},
              {"tcp_gro", o.tcp_gro},
              {"udp_gro", o.udp_gro},
              {"checksum_offload", o.checksum_offload}};
}

}  // namespace fdlink::tool
