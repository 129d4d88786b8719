#include "bench/flood.h"

#include <netinet/in.h>
#include <pthread.h>
#include <time.h>

#include <cstring>
#include <span>
#include <system_error>

#include "common/flow_packets.h"
#include "fdlink/sys/clock_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

// kSendBatch messages go out per sendmmsg.
constexpr size_t kSendBatch = 32;
// kWaitMs bounds one wait for room, so a stop is seen promptly.
constexpr int kWaitMs = 10;
// The UDP_SEGMENT control message (linux/udp.h; not in every libc header).
constexpr int kSolUdp = 17;
constexpr int kUdpSegment = 103;

}  // namespace

size_t FloodSegments(const FloodMessage& m) {
  if (m.gso_size == 0 || m.bytes.empty()) return 1;
  return (m.bytes.size() + m.gso_size - 1) / m.gso_size;
}

std::vector<std::vector<uint8_t>> BenchPackets(size_t size) {
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < kFloodFlows; ++i) out.push_back(FlowPacket(i, size));
  return out;
}

Flood::Flood(int fd, std::vector<FloodMessage> messages)
    : fd_(fd), messages_(std::move(messages)) {
  const size_t n = messages_.size();
  iovs_.resize(n);
  segments_.resize(n);
  controls_.resize(n);
  msgs_.resize(2 * n);
  for (size_t i = 0; i < n; ++i) {
    iovs_[i] = sys::MakeIovec(messages_[i].bytes);
    segments_[i] = FloodSegments(messages_[i]);
  }
  for (size_t i = 0; i < msgs_.size(); ++i) {
    FloodMessage& m = messages_[i % n];
    msghdr& h = msgs_[i].msg_hdr;
    h.msg_iov = &iovs_[i % n];
    h.msg_iovlen = 1;
    if (m.name_len > 0) {
      h.msg_name = &m.name;
      h.msg_namelen = m.name_len;
    }
    if (m.gso_size > 0) {
      GsoControl& c = controls_[i % n];
      h.msg_control = c.bytes;
      h.msg_controllen = sizeof(c.bytes);
      cmsghdr* cm = CMSG_FIRSTHDR(&h);
      cm->cmsg_level = kSolUdp;
      cm->cmsg_type = kUdpSegment;
      cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      std::memcpy(CMSG_DATA(cm), &m.gso_size, sizeof(m.gso_size));
    }
  }
}

Flood::~Flood() { Stop(); }

Result<void> Flood::Start(std::optional<int> cpu) {
  cpu_ = cpu;
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error& e) {
    return Error{Errc::kNoBufferSpace, e.code().value(),
                 "bench: cannot start the sender thread"};
  }
  Result<clockid_t> clock = sys::ThreadCpuClock(thread_.native_handle());
  if (!clock) {
    Stop();
    return clock.error();
  }
  cpu_clock_ = *clock;
  return Ok();
}

void Flood::Stop() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

double Flood::CpuSeconds() const {
  if (thread_.joinable()) return sys::ClockSeconds(cpu_clock_);
  return final_cpu_.load(std::memory_order_relaxed);
}

void Flood::Run() {
  const size_t n = messages_.size();
  const size_t batch = kSendBatch < n ? kSendBatch : n;
  uint64_t sent = 0;
  size_t next = 0;
  if (cpu_) {
    const int cpu = *cpu_;
    // Unpinned is still a valid run, only a noisier one.
    (void)sys::SetThreadCpus(std::span<const int>(&cpu, 1));
  }
  while (!stop_.load(std::memory_order_relaxed)) {
    Result<size_t> r =
        sys::SendMmsg(fd_, std::span(msgs_).subspan(next, batch));
    if (r) {
      for (size_t i = 0; i < *r; ++i) sent += segments_[(next + i) % n];
      next = (next + *r) % n;
      sent_.store(sent, std::memory_order_relaxed);
    } else {
      // Would block: wait for room. Anything else (ENOBUFS from a full
      // device queue) is retried the same way; the count says what got out.
      waits_.fetch_add(1, std::memory_order_relaxed);
      (void)sys::WaitWritable(fd_, kWaitMs);
    }
  }
  final_cpu_.store(sys::ClockSeconds(CLOCK_THREAD_CPUTIME_ID),
                   std::memory_order_relaxed);
}

}  // namespace fdlink::tool
