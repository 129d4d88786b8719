#include "link/sniffer/capture.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "fdlink/sys/stream_sys.h"

namespace fdlink::sniffer {
namespace {

constexpr uint32_t kMaxSnapLength = 262144;

Error Fail(Errc code, const char* what, std::string* reason,
           const std::string& detail) {
  if (reason != nullptr) *reason = detail;
  return Error{code, 0, what};
}

}  // namespace

Result<std::unique_ptr<Capture>> Capture::Open(const std::string& path, int fd,
                                               bool raw_ip,
                                               const CaptureOptions& opts,
                                               std::string* reason) {
  if (opts.snap_length == 0 || opts.snap_length > kMaxSnapLength) {
    return Fail(Errc::kInvalidArgument,
                "sniffer: snap length must be 1..262144", reason,
                "snap length " + std::to_string(opts.snap_length));
  }
  std::unique_ptr<Capture> c(new Capture());
  c->snap_length_ = opts.snap_length;
  c->dead_ = pcap_open_dead(raw_ip ? DLT_RAW : DLT_EN10MB,
                            static_cast<int>(opts.snap_length));
  if (c->dead_ == nullptr) {
    return Fail(Errc::kNoBufferSpace, "sniffer: pcap_open_dead failed", reason,
                "out of memory");
  }
  if (!opts.filter.empty()) {
    if (pcap_compile(c->dead_, &c->filter_, opts.filter.c_str(), 1,
                     PCAP_NETMASK_UNKNOWN) != 0) {
      return Fail(Errc::kInvalidArgument,
                  "sniffer: capture filter does not compile", reason,
                  pcap_geterr(c->dead_));
    }
    c->has_filter_ = true;
  }
  if (!path.empty()) {
    c->dumper_ = pcap_dump_open(c->dead_, path.c_str());
    if (c->dumper_ == nullptr) {
      return Fail(Errc::kIoError, "sniffer: cannot open the capture file",
                  reason, pcap_geterr(c->dead_));
    }
  } else {
    Result<std::FILE*> f = sys::OpenWriteStream(fd);
    if (!f) {
      return Fail(f.error().code, "sniffer: cannot write to the capture fd",
                  reason, std::strerror(f.error().sys_errno));
    }
    c->dumper_ = pcap_dump_fopen(c->dead_, *f);
    if (c->dumper_ == nullptr) {
      std::fclose(*f);
      return Fail(Errc::kIoError, "sniffer: cannot write to the capture fd",
                  reason, pcap_geterr(c->dead_));
    }
  }
  c->scratch_.resize(opts.snap_length);
  return c;
}

Capture::~Capture() {
  if (dumper_ != nullptr) pcap_dump_close(dumper_);  // Flushes.
  if (has_filter_) pcap_freecode(&filter_);
  if (dead_ != nullptr) pcap_close(dead_);
}

void Capture::Write(const PacketBuffer& pkt) {
  ++stats_.seen;
  const size_t len = pkt.Size();
  size_t cap = 0;
  pkt.ForEachSlice([&](std::span<const uint8_t> b) {
    const size_t n = std::min(b.size(), scratch_.size() - cap);
    std::memcpy(scratch_.data() + cap, b.data(), n);
    cap += n;
  });
  pcap_pkthdr hdr{};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  hdr.ts.tv_sec = static_cast<time_t>(us / 1000000);
  hdr.ts.tv_usec = static_cast<suseconds_t>(us % 1000000);
  hdr.caplen = static_cast<bpf_u_int32>(cap);
  hdr.len = static_cast<bpf_u_int32>(len);
  if (has_filter_ &&
      pcap_offline_filter(&filter_, &hdr, scratch_.data()) == 0) {
    ++stats_.filtered;
    return;
  }
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &hdr, scratch_.data());
  if (std::ferror(pcap_dump_file(dumper_))) {
    ++stats_.write_errors;
    std::clearerr(pcap_dump_file(dumper_));
    return;
  }
  ++stats_.written;
}

void Capture::Flush() {
  if (pcap_dump_flush(dumper_) != 0) ++stats_.write_errors;
}

}  // namespace fdlink::sniffer
