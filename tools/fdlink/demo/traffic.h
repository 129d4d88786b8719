// DemoTraffic: the demo's built-in traffic generator for the socketpair
// mode: it plays the kernel's part, sending echo requests to the responder
// and checking every reply byte by byte.
#ifndef FDLINK_TOOLS_FDLINK_DEMO_TRAFFIC_H_
#define FDLINK_TOOLS_FDLINK_DEMO_TRAFFIC_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fdlink::tool {

// RequestKind is one kind of request the generator sends.
enum class RequestKind { kIcmpv4Echo, kIcmpv6Echo, kUdpv4, kUdpv6 };

// DemoAddresses are the two sides' addresses (198.18.0.0/15, 2001:db8::/32).
struct DemoAddresses {
  std::string peer4 = "198.18.0.2", ours4 = "198.18.0.1";
  std::string peer6 = "2001:db8::2", ours6 = "2001:db8::1";
  uint16_t udp_port = 7;
};

// BuildRequest builds request number `seq` of `kind` (raw IP, no link
// header) with `payload` bytes of a pattern derived from seq.
std::vector<uint8_t> BuildRequest(const DemoAddresses& a, RequestKind kind,
                                  uint16_t seq, size_t payload);

// ReplySequence returns the sequence number a request or reply carries in
// its payload (requests need payload >= 2), or -1 if it has none.
int ReplySequence(std::span<const uint8_t> packet);

// CheckReply verifies that `reply` answers `request`: addresses swapped,
// checksums valid, ICMP type/ident/sequence or UDP ports right, payload
// byte-exact. Returns an empty string when it does, else what is wrong.
std::string CheckReply(std::span<const uint8_t> request,
                       std::span<const uint8_t> reply);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_DEMO_TRAFFIC_H_
