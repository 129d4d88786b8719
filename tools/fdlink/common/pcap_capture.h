// The `--pcap FILE` / `--pcap-filter FILTER` switches that `fdlink serve`
// and `fdlink tun2socks` share: wrapping the link endpoint in a sniffer
// that captures to the file, and the summary printed when it stops.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_PCAP_CAPTURE_H_
#define FDLINK_TOOLS_FDLINK_COMMON_PCAP_CAPTURE_H_

#include <memory>
#include <string>

#include "fdlink/link/sniffer/sniffer.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::tool {

// StartPcapCapture wraps `lower` (borrowed; it must outlive *out) in a
// sniffer in *out capturing every packet to `path`, keeping only what
// `filter` (tcpdump syntax; empty: everything) takes. Returns kExitOk, or
// the exit status with *message the one line to report: kExitUsage for a
// filter that does not compile (the message suggests `example_filter`),
// kExitFailure when the file cannot be written.
int StartPcapCapture(LinkEndpoint* lower, const std::string& path,
                     const std::string& filter, const char* example_filter,
                     std::unique_ptr<sniffer::Endpoint>* out,
                     std::string* message);

// StopPcapCapture stops the capture and prints "fdlink COMMAND: captured
// N packets to PATH (F filtered out, E write errors)" on stderr.
void StopPcapCapture(const char* command, const std::string& path,
                     sniffer::Endpoint* sniff);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_PCAP_CAPTURE_H_
