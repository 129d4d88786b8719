// The link endpoint a command (`fdlink serve`, `fdlink tun2socks`) runs on
// its fds: the offloads its switches leave on, the fdbased endpoint, and
// the sniffer around it under --pcap.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_COMMAND_ENDPOINT_H_
#define FDLINK_TOOLS_FDLINK_COMMON_COMMAND_ENDPOINT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "common/offload_flags.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/link/sniffer/sniffer.h"
#include "serve/link.h"

namespace fdlink::tool {

// CommandEndpoint is what StartCommandEndpoint made. `sniff` is null
// without --pcap; top() is what a dispatcher attaches through (the
// sniffer, else the endpoint).
struct CommandEndpoint {
  fdbased::OffloadOptions offload;
  std::unique_ptr<fdbased::Endpoint> ep;
  std::unique_ptr<sniffer::Endpoint> sniff;
  LinkEndpoint* top() const {
    return sniff ? static_cast<LinkEndpoint*>(sniff.get()) : ep.get();
  }
};

// CaptureSwitches are --pcap / --pcap-filter (empty path: no capture) and
// the filter a bad one's message suggests.
struct CaptureSwitches {
  std::string path;
  std::string filter;
  const char* example_filter = "";
};

// StartCommandEndpoint sets o.offload from the switches and `link`'s
// virtio-net header and kernel offload bits (EndpointOffloads), creates
// the endpoint (not attached) and, with a capture path, wraps it in a
// sniffer (StartPcapCapture). Returns kExitOk with *out filled, or the
// exit status with *message the one line to report (kExitFailure for an
// endpoint that cannot be made, StartPcapCapture's statuses).
int StartCommandEndpoint(fdbased::Options o, const OffloadSwitches& switches,
                         const ServeLink& link, const CaptureSwitches& capture,
                         CommandEndpoint* out, std::string* message);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_COMMAND_ENDPOINT_H_
