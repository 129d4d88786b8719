// Capture: one open pcap capture (libpcap's writer and filter), written by
// one thread at a time.
#ifndef FDLINK_SRC_LINK_SNIFFER_CAPTURE_H_
#define FDLINK_SRC_LINK_SNIFFER_CAPTURE_H_

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/sniffer/sniffer.h"

namespace fdlink::sniffer {

// Capture owns a pcap writer with its link type, snap length and compiled
// filter, plus the scratch a record is flattened into. Not thread-safe: the
// Endpoint serialises every call under its lock.
class Capture {
 public:
  // Open creates a capture writing to the file at `path` or, when `path` is
  // empty, to a duplicate of `fd`. `raw_ip` picks LINKTYPE_RAW over
  // LINKTYPE_ETHERNET. On error `reason` (when not null) gets the detail.
  static Result<std::unique_ptr<Capture>> Open(const std::string& path, int fd,
                                               bool raw_ip,
                                               const CaptureOptions& opts,
                                               std::string* reason);
  ~Capture();  // Flushes and closes the file.
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Write records pkt (its bytes from the link header on) unless the filter
  // rejects it; a failed write is counted, never fatal.
  void Write(const PacketBuffer& pkt);
  void Flush();
  const CaptureStats& stats() const { return stats_; }

 private:
  Capture() = default;

  pcap_t* dead_ = nullptr;  // Holds the link type and snap length.
  pcap_dumper_t* dumper_ = nullptr;
  bpf_program filter_{};
  bool has_filter_ = false;
  uint32_t snap_length_ = 0;
  std::vector<uint8_t> scratch_;  // snap_length_ bytes, sized once.
  CaptureStats stats_;
};

}  // namespace fdlink::sniffer

#endif  // FDLINK_SRC_LINK_SNIFFER_CAPTURE_H_
