// Test builders for GSO super-packets (one IP header, one TCP or UDP header
// and many segments' payload), as the kernel hands them over with a
// virtio-net header.
#ifndef FDLINK_TESTS_TESTING_SUPER_PACKETS_H_
#define FDLINK_TESTS_TESTING_SUPER_PACKETS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/tcp.h"

namespace fdlink::testing {

// SuperPacketSpec describes one super-packet: 198.18.0.1 -> 198.19.0.2 or
// 2001:db8::1 -> 2001:db8::2, TCP (with `tcp_options` bytes of NOPs) or
// UDP, `payload` pattern bytes seeded by `seed`, segmented at `mss`.
struct SuperPacketSpec {
  bool ipv6 = false;
  bool tcp = true;
  size_t payload = 4000;
  uint16_t mss = 1000;
  size_t tcp_options = 0;
  uint8_t tcp_flags = header::tcp_flag::kAck | header::tcp_flag::kPsh;
  uint32_t seq = 1000;
  uint16_t ip_id = 77;
  uint16_t sport = 4000;
  uint16_t dport = 5000;
  uint8_t seed = 3;
  // Partial: the L4 checksum field holds only the pseudo-header sum
  // (NEEDS_CSUM); otherwise it is the full checksum of the super-packet.
  bool partial = true;
};

// SuperPacket is the network packet's bytes and its GSO metadata.
struct SuperPacket {
  std::vector<uint8_t> bytes;
  GSOOptions gso;
};

// BuildSuperPacket builds the packet `spec` describes.
SuperPacket BuildSuperPacket(const SuperPacketSpec& spec);

// VnetHeaderFor returns the 10-byte virtio-net header the kernel would put
// in front of `sp` (NEEDS_CSUM when partial, hdr_len = IP + L4 headers,
// csum_start relative to the frame, i.e. after `link_header` bytes).
std::array<uint8_t, 10> VnetHeaderFor(const SuperPacket& sp,
                                      bool partial = true,
                                      uint16_t link_header = 0);

// Concat returns a followed by b.
std::vector<uint8_t> Concat(std::span<const uint8_t> a,
                            std::span<const uint8_t> b);

// WireChecksumsValid reports whether `net` (one IP packet) has a valid IPv4
// header checksum (if IPv4) and a valid TCP or UDP checksum.
bool WireChecksumsValid(std::span<const uint8_t> net);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_SUPER_PACKETS_H_
