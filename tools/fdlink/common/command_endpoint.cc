#include "common/command_endpoint.h"

#include <utility>

#include "common/cli_status.h"
#include "common/pcap_capture.h"

namespace fdlink::tool {

int StartCommandEndpoint(fdbased::Options o, const OffloadSwitches& switches,
                         const ServeLink& link, const CaptureSwitches& capture,
                         CommandEndpoint* out, std::string* message) {
  out->offload =
      EndpointOffloads(switches, link.vnet_header, link.kernel_offloads);
  o.offload = out->offload;
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(o));
  if (!ep) {
    *message = ep.error().ToString();
    return kExitFailure;
  }
  out->ep = std::move(*ep);
  if (capture.path.empty()) return kExitOk;
  return StartPcapCapture(out->ep.get(), capture.path, capture.filter,
                          capture.example_filter, &out->sniff, message);
}

}  // namespace fdlink::tool
