// ResponderRig: the responder harnesses' fixture. A Responder on a real
// fdbased::Endpoint (detached: no threads) whose fd is one end of a
// SOCK_SEQPACKET socketpair; a frame goes through the endpoint's inbound
// classification to the responder on the calling thread, and every reply
// the endpoint writes is read back from the peer end and checked.
#ifndef FDLINK_TESTS_FUZZ_SUPPORT_RESPONDER_RIG_H_
#define FDLINK_TESTS_FUZZ_SUPPORT_RESPONDER_RIG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "fdlink/link/fdbased/endpoint.h"
#include "fdlink/responder/responder.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::fuzz {

// RigFlags are the bits of the first input byte of a responder harness.
inline constexpr uint8_t kRigRxChecksumOffload = 0x01;  // Skip L4 checks.
inline constexpr uint8_t kRigFixIpv4Checksum = 0x02;    // Repair IPv4 header.

// ResponderRig owns the endpoint, the socketpair and the responder. One per
// process (a function-local static of the harness); not thread-safe. Setup
// failure aborts with a message.
class ResponderRig {
 public:
  // ResponderRig builds an endpoint in Ethernet mode (MAC 02:00:00:00:00:01)
  // or raw-IP mode, answering for 198.18.0.1 and 2001:db8::1 with UDP echo
  // on port 7.
  explicit ResponderRig(bool ethernet);
  ~ResponderRig();

  // Run feeds one fuzzer input: its first byte is RigFlags, the rest one
  // received frame. It checks every reply with CheckReply, that the
  // responder counted each packet once and each reply it wrote, and that
  // no packet is left live; any violation aborts. With FDLINK_FUZZ_VERBOSE
  // set in the environment it prints one line per input (what the seeds
  // reach).
  void Run(std::span<const uint8_t> input);

 private:
  const bool ethernet_;
  const MacAddress mac_;
  std::atomic<uint64_t> mac_u64_;
  const bool verbose_;
  UniqueFd ours_;
  UniqueFd peer_;
  std::unique_ptr<fdbased::Endpoint> ep_;
  std::unique_ptr<responder::Responder> responder_;
};

}  // namespace fdlink::fuzz

#endif  // FDLINK_TESTS_FUZZ_SUPPORT_RESPONDER_RIG_H_
