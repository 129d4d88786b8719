#include "common/pcap_capture.h"

#include <cstdio>

#include "common/cli_status.h"

namespace fdlink::tool {

int StartPcapCapture(LinkEndpoint* lower, const std::string& path,
                     const std::string& filter, const char* example_filter,
                     std::unique_ptr<sniffer::Endpoint>* out,
                     std::string* message) {
  *out = std::make_unique<sniffer::Endpoint>(lower);
  sniffer::CaptureOptions co;
  co.filter = filter;
  std::string reason;
  if (Result<void> c = (*out)->StartCapture(path, co, &reason); !c) {
    if (c.error().code == Errc::kInvalidArgument) {
      *message = "--pcap-filter '" + filter + "' is not a capture filter (" +
                 reason + "); use tcpdump syntax, e.g. '" + example_filter +
                 "'";
      return kExitUsage;
    }
    *message = "--pcap " + path + ": " + reason;
    return kExitFailure;
  }
  return kExitOk;
}

void StopPcapCapture(const char* command, const std::string& path,
                     sniffer::Endpoint* sniff) {
  const sniffer::CaptureStats cs = sniff->StopCapture();
  std::fprintf(stderr,
               "fdlink %s: captured %llu packets to %s (%llu filtered out, "
               "%llu write errors)\n",
               command, static_cast<unsigned long long>(cs.written),
               path.c_str(), static_cast<unsigned long long>(cs.filtered),
               static_cast<unsigned long long>(cs.write_errors));
}

}  // namespace fdlink::tool
