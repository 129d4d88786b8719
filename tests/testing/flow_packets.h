// Test builders for the coalescer: TCP and UDP packets of chosen flows over
// IPv4 (198.18.0.0/15) and IPv6 (2001:db8::/32), and a by-hand splitter that
// turns a merged super-packet back into the wire packets it stands for.
#ifndef FDLINK_TESTS_TESTING_FLOW_PACKETS_H_
#define FDLINK_TESTS_TESTING_FLOW_PACKETS_H_

#include <cstdint>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/tcp.h"

namespace fdlink::testing {

// SegmentSpec describes one packet. Hosts are the last address byte of
// 198.18.0.x or 2001:db8::x.
struct SegmentSpec {
  int version = 4;
  bool udp = false;
  uint8_t src_host = 1;
  uint8_t dst_host = 2;
  uint16_t sport = 40000;
  uint16_t dport = 5001;
  uint32_t seq = 1000;
  uint32_t ack = 77;
  uint8_t flags = header::tcp_flag::kAck;
  uint16_t ip_id = 0;
  std::vector<uint8_t> payload;
  std::vector<uint8_t> tcp_options;  // A multiple of 4 bytes.
  std::vector<uint8_t> ip_options;   // IPv4 only; a multiple of 4 bytes.
  uint8_t tos = 0;                   // IPv4 ToS or IPv6 traffic class.
  uint8_t ttl = 64;                  // IPv4 TTL or IPv6 hop limit.
  bool dont_fragment = true;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // Bytes, a multiple of 8.
  bool bad_l4_checksum = false;
};

// BuildSegment returns the packet's bytes, from the IP header on, with
// valid checksums unless bad_l4_checksum.
std::vector<uint8_t> BuildSegment(const SegmentSpec& s);

// ToPacket wraps bytes in a new PacketBuffer (one view, no link header).
PacketBufferPtr ToPacket(const std::vector<uint8_t>& bytes,
                         size_t headroom = 0);

// StreamBytes returns n bytes of flow `flow`'s byte stream from `offset`.
std::vector<uint8_t> StreamBytes(uint32_t flow, uint32_t offset, size_t n);

// SplitByHand turns a super-packet (network header first, GSO options as
// WriteMergedHeaders sets them) into wire packets: IPv4 id + i, lengths,
// header checksum; TCP seq + i x mss, PSH only on the last; full L4
// checksums. It first completes and checks the partial checksum; on any
// inconsistency it returns an empty vector.
std::vector<std::vector<uint8_t>> SplitByHand(std::vector<uint8_t> super,
                                              const GSOOptions& gso);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_FLOW_PACKETS_H_
